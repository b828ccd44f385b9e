using System.Text.Json.Nodes;
using IssueCore.Adapters.InMemory;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Launch;
using IssueCore.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Engine.Tests.Support;

/// <summary>A real engine over the in-memory council repository, on a fake clock.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private EngineHarness(ServiceProvider provider, FakeTimeProvider time, ICouncilRepository repository)
    {
        Provider = provider;
        Time = time;
        Repository = repository;
        Launcher = provider.GetRequiredService<TaskLaunchService>();
    }

    public ServiceProvider Provider { get; }

    public FakeTimeProvider Time { get; }

    public ICouncilRepository Repository { get; }

    public TaskLaunchService Launcher { get; }

    public static EngineHarness Create(Action<IServiceCollection>? configure = null, ICouncilRepository? repository = null, FakeTimeProvider? time = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        repository ??= new InMemoryCouncilRepository(time);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIssueCore(o => o.Security.SigningKey = SigningKey);
        services.AddSingleton(repository);
        configure?.Invoke(services);
        return new EngineHarness(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }), time, repository);
    }

    public static Blueprint Blueprint(string flow, string agents = "[]")
        => IssueCore.Blueprints.Blueprint.Parse("{\"id\":\"test-flow\",\"flow\":" + flow + ",\"agents\":" + agents + ",\"metadata\":{\"version_label\":\"1.0.0\"}}");

    public static string HostAgents(params string[] names)
        => "[" + string.Join(",", names.Select(n => $$"""{"name":"{{n}}","kind":"host"}""")) + "]";

    public Task<LaunchResult> LaunchAsync(Blueprint flow, JsonObject? ctx = null, TimeSpan? ttl = null, string role = Roles.Operator, CouncilRunId? runId = null, CancellationToken cancellationToken = default)
        => Launcher.LaunchAsync(
            new LaunchRequest { Flow = flow, InitialContext = ctx ?? [], OperatorId = "op-1", Role = role, Ttl = ttl, RunId = runId },
            cancellationToken);

    public async Task<List<CouncilRunEvent>> EventsAsync(CouncilRunId runId)
    {
        var list = new List<CouncilRunEvent>();
        await foreach (var e in Repository.ListEventsAsync(runId))
        {
            list.Add(e);
        }

        return list;
    }

    public async ValueTask DisposeAsync() => await Provider.DisposeAsync();
}
