using IssueCore.Adapters.InMemory;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.AspNetCore.Tests.Operator;

public sealed class HealthCheckTests
{
    [Fact]
    public async Task A_host_without_a_running_dispatcher_is_unhealthy_unless_it_does_not_require_one()
    {
        await using var required = Provider(new FakeTimeProvider());
        await using var ingestOnly = Provider(new FakeTimeProvider(), o => o.RequireWorker = false);

        var report = await required.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var webNode = await ingestOnly.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Entries[IssueCoreHealthChecksBuilderExtensions.WorkerCheck].Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries[IssueCoreHealthChecksBuilderExtensions.StoreCheck].Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries[IssueCoreHealthChecksBuilderExtensions.QueueCheck].Status);
        Assert.Equal(HealthStatus.Healthy, webNode.Status);
    }

    [Fact]
    public async Task The_oldest_pending_issue_over_the_threshold_degrades_the_queue_check()
    {
        var time = new FakeTimeProvider();
        await using var provider = Provider(time, o => { o.RequireWorker = false; o.PendingAgeThreshold = TimeSpan.FromMinutes(5); });
        await provider.GetRequiredService<IIssueStore>().CreateAsync(new IssueDraft { BlueprintId = OperatorServer.Orders, Intent = "waits" });
        var health = provider.GetRequiredService<HealthCheckService>();

        time.Advance(TimeSpan.FromMinutes(5));
        var atThreshold = await health.CheckHealthAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        var over = await health.CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, atThreshold.Status);
        Assert.Equal(HealthStatus.Degraded, over.Entries[IssueCoreHealthChecksBuilderExtensions.QueueCheck].Status);
        Assert.Equal(HealthStatus.Degraded, over.Status);
    }

    [Fact]
    public async Task A_running_dispatcher_is_healthy_and_a_tick_running_past_the_stuck_limit_is_unhealthy()
    {
        var time = new FakeTimeProvider();
        var gate = new BlockingIssueStore(new InMemoryIssueStore(time));
        await using var provider = Provider(time, o => o.StuckAfter = TimeSpan.FromMinutes(15), s => s.Replace(ServiceDescriptor.Singleton<IIssueStore>(gate)));
        var health = provider.GetRequiredService<HealthCheckService>();
        using var stop = new CancellationTokenSource();
        var loop = provider.GetRequiredService<EnhanceApplication>().RunAsync(stop.Token);
        await gate.Claiming.Task.WaitAsync(TimeSpan.FromMinutes(1));

        var running = await health.CheckHealthAsync();
        time.Advance(TimeSpan.FromMinutes(16));
        var stuck = await health.CheckHealthAsync();
        gate.Release.SetResult();
        await stop.CancelAsync();
        await loop;

        Assert.Equal(HealthStatus.Healthy, running.Entries[IssueCoreHealthChecksBuilderExtensions.WorkerCheck].Status);
        Assert.Equal(HealthStatus.Unhealthy, stuck.Entries[IssueCoreHealthChecksBuilderExtensions.WorkerCheck].Status);
        Assert.Contains("stuck", stuck.Entries[IssueCoreHealthChecksBuilderExtensions.WorkerCheck].Description, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider(FakeTimeProvider time, Action<IssueCoreHealthCheckOptions>? options = null, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddLogging();
        services.AddIssueCore(o => o.Security.SigningKey = OperatorServer.SigningKey).UseInMemory();
        more?.Invoke(services);
        services.AddHealthChecks().AddIssueCoreHealthChecks(options);
        return services.BuildServiceProvider();
    }

    /// <summary>An issue store whose claim waits until released, so a tick stays in progress.</summary>
    private sealed class BlockingIssueStore(IIssueStore inner) : IIssueStore
    {
        public TaskCompletionSource Claiming { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<Issue?> ClaimNextBySeriesAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        {
            Claiming.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return null;
        }

        public Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => ClaimNextBySeriesAsync(owner, leaseDuration, cancellationToken);

        public Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default) => inner.CreateAsync(draft, cancellationToken);

        public Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default) => inner.FindAsync(id, cancellationToken);

        public Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default) => inner.FindByIdempotencyKeyAsync(idempotencyKey, cancellationToken);

        public Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(id, owner, leaseDuration, cancellationToken);

        public Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default) => inner.CompleteAsync(id, owner, status, cancellationToken);

        public Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default) => inner.ReleaseAsync(id, owner, notBefore, error, cancellationToken);

        public Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(query, cancellationToken);
    }
}
