using System.Text.Json.Nodes;
using IssueCore.Adapters.InMemory;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Engine.Tests.Launch;

/// <summary>The heartbeat that keeps a running run's activity fresh, and what it costs a launch that does not need it.</summary>
public sealed class RunHeartbeatTests
{
    [Fact]
    public async Task A_run_that_outlasts_the_heartbeat_interval_is_touched_and_its_launch_still_completes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var repository = new CountingCouncilRepository(new InMemoryCouncilRepository(time));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var engine = EngineHarness.Create(
            s => s.AddIssueCoreAgent("block", new TestAgent(async (_, ct) =>
            {
                started.TrySetResult();
                await release.Task.WaitAsync(ct);
                return JsonValue.Create(1);
            })),
            repository,
            time);
        var interval = engine.Provider.GetRequiredService<IOptions<IssueCoreOptions>>().Value.RunHeartbeatInterval;
        var runId = CouncilRunId.New();
        var launch = engine.LaunchAsync(
            EngineHarness.Blueprint("""{"kind":"step","ref":"block","out":"$.x"}""", EngineHarness.HostAgents("block")),
            ttl: interval * 10,
            runId: runId);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, repository.Touches);

        time.Advance(interval);
        await repository.Touched.WaitAsync(TimeSpan.FromSeconds(30));

        var running = await repository.GetRunAsync(runId);
        Assert.Equal(CouncilRunStatus.Running, running!.Status);
        Assert.Equal(time.GetUtcNow(), running.UpdatedAt);
        release.TrySetResult();
        var result = await launch.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, (int)result.FinalContext["x"]!);
        Assert.Equal(CouncilRunStatus.Completed, (await repository.GetRunAsync(runId))!.Status);
        Assert.Equal(1, repository.Touches);
    }

    [Fact]
    public async Task A_launch_whose_steps_complete_synchronously_ends_on_the_calling_thread()
    {
        // The heartbeat's wait is ended inline when the run ends: before, a cancelled delay resumed it on the thread pool,
        // so every launch finished there (a thread hop, and idle pool workers spinning, on every run).
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("one", TestAgent.Constant(JsonValue.Create(1))));
        var flow = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"step","ref":"one","out":"$.a"},{"kind":"step","ref":"one","out":"$.b"}]}""",
            EngineHarness.HostAgents("one"));

        var launch = engine.LaunchAsync(flow);

        Assert.True(launch.IsCompleted, "A launch of synchronous steps over the in-memory repository returned before it completed.");
        var result = await launch;
        Assert.Equal(1, (int)result.FinalContext["b"]!);
    }
}
