using System.Text.Json.Nodes;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using IssueCore.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Flows;

/// <summary>Cancellation and TTL expiry that reach a Lua step while its script runs, and Lua branches of a fan-out.</summary>
public sealed class LuaStepInterruptionTests
{
    // The script announces that it runs, then spins until the budget hook stops it.
    private const string Spinner = """[{"name":"spin","kind":"lua","spec":{"source":"host.started() while true do end"}}]""";

    private static EngineHarness Engine(TaskCompletionSource started, Action<LuaScriptExecutorOptions>? configure = null)
        => EngineHarness.Create(s => s.Configure<LuaScriptExecutorOptions>(o =>
        {
            // A budget far above what the test needs, so only the cancellation can stop the script (the fake clock
            // never reaches the executor's own timeout).
            o.MaxInstructions = 2_000_000_000;
            o.AddPrimitive("started", _ =>
            {
                started.TrySetResult();
                return null;
            });
            configure?.Invoke(o);
        }));

    [Fact]
    public async Task Cancelling_the_caller_while_a_lua_step_runs_records_the_run_cancelled()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var engine = Engine(started);
        var runId = CouncilRunId.New();
        using var cts = new CancellationTokenSource();

        var launch = Task.Run(() => engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"spin","out":"$.x"}""", Spinner), runId: runId, cancellationToken: cts.Token));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => launch);
        Assert.Equal(ScriptLimit.Cancelled, Assert.IsType<ScriptException>(ex.InnerException).Limit);
        Assert.Equal(CouncilRunStatus.Cancelled, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task A_try_node_does_not_catch_the_cancellation_of_a_lua_step()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var engine = Engine(started);
        var runId = CouncilRunId.New();
        using var cts = new CancellationTokenSource();
        var flow = EngineHarness.Blueprint(
            """{"kind":"try","body":{"kind":"step","ref":"spin","out":"$.x"},"catch":{"kind":"assign","at":"$.caught","value":{"op":"const","value":true}}}""",
            Spinner);

        var launch = Task.Run(() => engine.LaunchAsync(flow, runId: runId, cancellationToken: cts.Token));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => launch);
        Assert.Equal(CouncilRunStatus.Cancelled, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task Ttl_expiry_while_a_lua_step_runs_fails_the_run_with_a_timeout()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var engine = Engine(started);
        var runId = CouncilRunId.New();

        var launch = Task.Run(() => engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"spin","out":"$.x"}""", Spinner), ttl: TimeSpan.FromSeconds(30), runId: runId));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        engine.Time.Advance(TimeSpan.FromSeconds(31));

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => launch);
        Assert.Equal("timeout", ex.ErrorKind);
        Assert.Equal(CouncilRunStatus.Failed, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task Lua_branches_of_a_fanout_run_side_by_side()
    {
        // Each branch's script calls a primitive that blocks until both branches are inside it (or gives up after 30 s):
        // branches run one after another would never meet.
        using var barrier = new Barrier(2);
        var started = new TaskCompletionSource();
        await using var engine = Engine(started, o => o.AddPrimitive("meet", _ => JsonValue.Create(barrier.SignalAndWait(TimeSpan.FromSeconds(30)))));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","out":"$.results","max_parallel":2,"body":{"kind":"step","ref":"meet","out":"$.met"}}""",
            """[{"name":"meet","kind":"lua","spec":{"source":"return {ok = true, value = host.meet()}"}}]""");

        var result = await Task.Run(() => engine.LaunchAsync(flow, new JsonObject { ["items"] = new JsonArray(1, 2) }));

        Assert.All(result.FinalContext["results"]!.AsArray(), r => Assert.True(r!["met"]!.GetValue<bool>()));
    }
}
