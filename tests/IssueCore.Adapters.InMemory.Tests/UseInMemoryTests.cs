using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.InMemory.Tests;

public sealed class UseInMemoryTests
{
    [Fact]
    public void UseInMemory_registers_every_port_as_a_singleton()
    {
        var services = new ServiceCollection().UseInMemory();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<InMemoryIssueStore>(provider.GetRequiredService<IIssueStore>());
        Assert.IsType<InMemoryBlueprintStore>(provider.GetRequiredService<IBlueprintStore>());
        Assert.IsType<InMemoryEnhanceSettingStore>(provider.GetRequiredService<IEnhanceSettingStore>());
        Assert.IsType<InMemoryEnhanceLogStore>(provider.GetRequiredService<IEnhanceLogStore>());
        Assert.IsType<InMemoryCouncilRepository>(provider.GetRequiredService<ICouncilRepository>());
        Assert.Same(provider.GetRequiredService<IIssueStore>(), provider.GetRequiredService<IIssueStore>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.All(services.Where(d => d.ServiceType != typeof(TimeProvider)), d => Assert.Equal(ServiceLifetime.Singleton, d.Lifetime));
    }

    [Fact]
    public void UseInMemory_keeps_a_store_the_host_registered_before_it_and_provides_the_other_ports()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IIssueStore, OtherIssueStore>();

        services.UseInMemory();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<OtherIssueStore>(provider.GetRequiredService<IIssueStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IIssueStore));
        Assert.IsType<InMemoryBlueprintStore>(provider.GetRequiredService<IssueCore.Blueprints.IBlueprintStore>());
    }

    [Fact]
    public void UseInMemory_twice_keeps_one_registration_per_port()
    {
        var services = new ServiceCollection().UseInMemory().UseInMemory();

        Assert.Single(services, d => d.ServiceType == typeof(IIssueStore));
        Assert.Single(services, d => d.ServiceType == typeof(ICouncilRepository));
        Assert.Single(services, d => d.ServiceType == typeof(TimeProvider));
    }

    [Fact]
    public async Task UseInMemory_keeps_a_registered_time_provider_and_the_stores_use_it()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time).UseInMemory();
        using var provider = services.BuildServiceProvider();

        var created = await provider.GetRequiredService<IIssueStore>().CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("bp"), Intent = "x" });

        Assert.Equal(time.GetUtcNow(), created.Issue.CreatedAt);
    }

    [Fact]
    public async Task Returned_issue_does_not_change_when_the_callers_labels_or_json_change()
    {
        IIssueStore store = new InMemoryIssueStore(new FakeTimeProvider());
        var labels = new List<string> { "a" };
        var patch = System.Text.Json.JsonDocument.Parse("""[{"op":"remove","path":"/x"}]""");

        var created = await store.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("bp"), Intent = "x", Labels = labels, Patch = patch.RootElement });
        labels.Add("b");
        patch.Dispose();

        var found = await store.GetAsync(created.Issue.Id);
        Assert.Equal(["a"], found.Labels);
        Assert.Equal("remove", found.Patch!.Value[0].GetProperty("op").GetString());
        Assert.False(found.Labels is IList<string> { IsReadOnly: false });
    }

    [Fact]
    public async Task Stored_run_graph_and_event_payload_survive_disposal_of_the_callers_document()
    {
        ICouncilRepository repository = new InMemoryCouncilRepository(new FakeTimeProvider());
        var id = CouncilRunId.Parse("run-1");
        var graph = System.Text.Json.JsonDocument.Parse("""{"plan":["n1"]}""");
        var payload = System.Text.Json.JsonDocument.Parse("""{"ctx":1}""");

        await repository.CreateRunAsync(new CouncilRun { Id = id, FlowId = "f", Status = CouncilRunStatus.Running, CreatedAt = default, UpdatedAt = default, Graph = graph.RootElement });
        await repository.AppendEventAsync(new CouncilRunEventDraft(id, 0, "k", null, payload.RootElement));
        graph.Dispose();
        payload.Dispose();

        var run = await repository.GetRunAsync(id);
        Assert.Equal("n1", run!.Graph!.Value.GetProperty("plan")[0].GetString());
        var events = 0;
        await foreach (var e in repository.ListEventsAsync(id))
        {
            Assert.Equal(1, e.Payload.GetProperty("ctx").GetInt32());
            events++;
        }

        Assert.Equal(1, events);
    }

    private sealed class OtherIssueStore : IIssueStore
    {
        public Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
