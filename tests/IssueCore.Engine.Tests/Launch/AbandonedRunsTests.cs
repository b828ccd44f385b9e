using System.Globalization;
using IssueCore.Adapters.InMemory;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Engine.Tests.Launch;

public sealed class AbandonedRunsTests
{
    private static readonly string Blocking = """{"kind":"step","ref":"block","out":"$.x"}""";

    private static async Task StartHostedServicesAsync(EngineHarness engine)
    {
        foreach (var hosted in engine.Provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    private static async Task<CouncilRun> CreateRunningAsync(ICouncilRepository repository, FakeTimeProvider time, string? owner)
    {
        var now = time.GetUtcNow();
        var run = new CouncilRun { Id = CouncilRunId.New(), FlowId = "f", Status = CouncilRunStatus.Running, CreatedAt = now, UpdatedAt = now, Owner = owner };
        await repository.CreateRunAsync(run);
        return run;
    }

    [Fact]
    public async Task A_starting_host_leaves_a_live_peers_running_run_alone()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var repository = new InMemoryCouncilRepository(time);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = EngineHarness.Create(
            s => s.AddIssueCoreAgent("block", new TestAgent(async (_, ct) =>
            {
                started.TrySetResult();
                await new TaskCompletionSource().Task.WaitAsync(ct);
                return null;
            })),
            repository,
            time);
        var runId = CouncilRunId.New();
        _ = peer.LaunchAsync(EngineHarness.Blueprint(Blocking, EngineHarness.HostAgents("block")), runId: runId);
        await started.Task;

        await using var starting = EngineHarness.Create(null, repository, time);
        await StartHostedServicesAsync(starting);

        var run = await repository.GetRunAsync(runId);
        Assert.Equal(CouncilRunStatus.Running, run!.Status);
        Assert.NotNull(run.Owner);
    }

    [Fact]
    public async Task A_run_owned_by_a_process_of_this_machine_that_is_gone_is_marked_at_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var repository = new InMemoryCouncilRepository(time);

        // An earlier process that had this process's id (started at the Unix epoch): certainly not running now.
        var dead = await CreateRunningAsync(repository, time, string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/0"));
        var otherMachine = await CreateRunningAsync(repository, time, "elsewhere-" + Guid.NewGuid().ToString("N") + "/1/0");
        await using var starting = EngineHarness.Create(null, repository, time);

        var marked = await starting.Launcher.MarkInterruptedRunsAsync();

        Assert.Equal(1, marked);
        Assert.Equal(CouncilRunStatus.Interrupted, (await repository.GetRunAsync(dead.Id))!.Status);
        Assert.Equal(CouncilRunStatus.Running, (await repository.GetRunAsync(otherMachine.Id))!.Status);
    }

    [Fact]
    public async Task A_run_silent_for_longer_than_the_abandoned_run_timeout_is_marked_whoever_owns_it()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var repository = new InMemoryCouncilRepository(time);
        var silent = await CreateRunningAsync(repository, time, "elsewhere-" + Guid.NewGuid().ToString("N") + "/1/0");
        var unowned = await CreateRunningAsync(repository, time, owner: null);
        await using var starting = EngineHarness.Create(null, repository, time);
        time.Advance(starting.Provider.GetRequiredService<IOptions<IssueCoreOptions>>().Value.AbandonedRunTimeout);
        var recent = await CreateRunningAsync(repository, time, "elsewhere-" + Guid.NewGuid().ToString("N") + "/1/0");
        time.Advance(TimeSpan.FromSeconds(1));

        var marked = await starting.Launcher.MarkInterruptedRunsAsync();

        Assert.Equal(2, marked);
        Assert.Equal(CouncilRunStatus.Interrupted, (await repository.GetRunAsync(silent.Id))!.Status);
        Assert.Equal(CouncilRunStatus.Interrupted, (await repository.GetRunAsync(unowned.Id))!.Status);
        Assert.Equal(CouncilRunStatus.Running, (await repository.GetRunAsync(recent.Id))!.Status);
    }

    [Fact]
    public void An_abandoned_run_timeout_not_above_twice_the_heartbeat_fails_before_the_engine_can_run()
    {
        // The launch service reads its options when it is built, so the engine never runs with them.
        var ex = Assert.Throws<OptionsValidationException>(() => EngineHarness.Create(s => s.Configure<IssueCoreOptions>(o =>
        {
            o.RunHeartbeatInterval = TimeSpan.FromMinutes(1);
            o.AbandonedRunTimeout = TimeSpan.FromMinutes(2);
        })));

        Assert.Contains("AbandonedRunTimeout", ex.Message, StringComparison.Ordinal);
    }
}
