using System.Text.Json.Nodes;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Flows;

public sealed class DeadlineAndCancellationTests
{
    private static readonly string TwoSteps =
        """{"kind":"seq","children":[{"kind":"step","ref":"fast","out":"$.a"},{"kind":"step","ref":"slow","out":"$.b"}]}""";

    private static (TestAgent Slow, TaskCompletionSource Started) Blocking()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<JsonNode?>();
        var slow = new TestAgent(async (_, ct) =>
        {
            started.TrySetResult();
            return await never.Task.WaitAsync(ct);
        });
        return (slow, started);
    }

    [Fact]
    public async Task Ttl_expiry_mid_run_fails_the_run_with_a_timeout()
    {
        var (slow, started) = Blocking();
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("fast", TestAgent.Constant(1)).AddIssueCoreAgent("slow", slow));
        var runId = CouncilRunId.New();

        var launch = engine.LaunchAsync(EngineHarness.Blueprint(TwoSteps, EngineHarness.HostAgents("fast", "slow")), ttl: TimeSpan.FromSeconds(30), runId: runId);
        await started.Task;
        engine.Time.Advance(TimeSpan.FromSeconds(31));

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => launch);
        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Equal("timeout", ex.ErrorKind);
        Assert.Equal(runId, ex.RunId);
        Assert.Equal(CouncilRunStatus.Failed, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task The_deadline_reaches_agents()
    {
        AgentDeadline? seen = null;
        var probe = new TestAgent((inv, _) => { seen = new AgentDeadline(inv.Deadline); return ValueTask.FromResult<JsonNode?>(null); });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("probe", probe));

        await engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"probe"}""", EngineHarness.HostAgents("probe")), ttl: TimeSpan.FromMinutes(2));

        Assert.Equal(engine.Time.GetUtcNow() + TimeSpan.FromMinutes(2), seen!.Value);
    }

    [Fact]
    public async Task Caller_cancellation_stops_the_run_and_records_it_cancelled()
    {
        var (slow, started) = Blocking();
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("fast", TestAgent.Constant(1)).AddIssueCoreAgent("slow", slow));
        var runId = CouncilRunId.New();
        using var cts = new CancellationTokenSource();

        var launch = engine.LaunchAsync(EngineHarness.Blueprint(TwoSteps, EngineHarness.HostAgents("fast", "slow")), runId: runId, cancellationToken: cts.Token);
        await started.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => launch);
        Assert.Equal(CouncilRunStatus.Cancelled, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task CancelAsync_with_the_run_token_stops_a_run_in_flight()
    {
        var (slow, started) = Blocking();
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("fast", TestAgent.Constant(1)).AddIssueCoreAgent("slow", slow));
        var runId = CouncilRunId.New();

        var launch = engine.LaunchAsync(EngineHarness.Blueprint(TwoSteps, EngineHarness.HostAgents("fast", "slow")), runId: runId);
        await started.Task;
        await engine.Launcher.CancelAsync(runId, engine.Launcher.IssueToken(runId, "op-1", "operator"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => launch);
        Assert.Equal(CouncilRunStatus.Cancelled, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    private sealed record AgentDeadline(DateTimeOffset? Value);
}
