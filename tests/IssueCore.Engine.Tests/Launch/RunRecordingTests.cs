using System.Text.Json.Nodes;
using IssueCore.Adapters.InMemory;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Launch;

public sealed class RunRecordingTests
{
    private static readonly string Flow =
        """
        {"kind":"seq","children":[
          {"kind":"step","ref":"a","out":"$.a"},
          {"kind":"fanout","items":"$.items","bind":"$.item","out":"$.fan","body":{"kind":"step","ref":"b","in":{"op":"path","at":"$.item"},"out":"$.b"}},
          {"kind":"step","ref":"c","out":"$.c"}
        ]}
        """;

    private static Action<IServiceCollection> Agents => s => s
        .AddIssueCoreAgent("a", TestAgent.Constant("A"))
        .AddIssueCoreAgent("b", TestAgent.Returning(i => i))
        .AddIssueCoreAgent("c", TestAgent.Constant("C"));

    private static JsonObject Ctx() => new() { ["items"] = new JsonArray(1, 2) };

    [Fact]
    public async Task A_launch_records_the_run_its_step_events_by_wave_with_each_output_and_an_end_per_wave()
    {
        await using var engine = EngineHarness.Create(Agents);
        var bp = EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a", "b", "c"));

        var result = await engine.Launcher.LaunchAsync(new LaunchRequest { Flow = bp, InitialContext = Ctx(), OperatorId = "op", Role = "operator", Subject = "issue-7" });

        var run = (await engine.Repository.GetRunAsync(result.RunId))!;
        Assert.Equal(CouncilRunStatus.Completed, run.Status);
        Assert.Equal("test-flow", run.FlowId);
        Assert.Equal(bp.Version.ToString(), run.FlowVersion);
        Assert.Equal("issue-7", run.Subject);

        var events = await engine.EventsAsync(result.RunId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var steps = events.Where(e => e.Kind != RunEventKinds.WaveCompleted).Select(e => (e.Kind, e.NodeId, e.Wave)).ToList();
        Assert.Equal(2, steps.Count(s => s == (RunEventKinds.StepStarted, "$.flow.children[1].body", 1)));
        Assert.Equal(2, steps.Count(s => s == (RunEventKinds.StepCompleted, "$.flow.children[1].body", 1)));
        Assert.Contains((RunEventKinds.StepStarted, "$.flow.children[0]", 0), steps);
        Assert.Contains((RunEventKinds.StepCompleted, "$.flow.children[2]", 2), steps);
        var waves = events.Where(e => e.Kind == RunEventKinds.WaveCompleted).ToList();
        Assert.Equal([0, 1, 2], waves.Select(w => w.Wave));
        Assert.All(waves, w => Assert.Equal("{}", w.Payload.GetRawText())); // what changed is in the step events, not a ctx copy

        var completed = events.Where(e => e.Kind == RunEventKinds.StepCompleted).ToList();
        Assert.Equal(4, completed.Count);
        Assert.Equal("A", completed.Single(e => e.NodeId == "$.flow.children[0]").Payload.GetProperty("output").GetString());
        Assert.Equal([1, 2], completed.Where(e => e.NodeId == "$.flow.children[1].body").Select(e => e.Payload.GetProperty("output").GetInt32()).Order());
        Assert.Equal(4, completed.Select(e => e.Payload.GetProperty("key").GetString()).Distinct().Count());
        Assert.Equal("C", run.Graph!.Value.GetProperty("final_context").GetProperty("c").GetString());
    }

    [Fact]
    public async Task A_failing_step_records_a_failure_event_and_a_failed_run()
    {
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("a", new TestAgent((_, _) => throw new InvalidOperationException("no"))));
        var runId = CouncilRunId.New();

        await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"a"}""", EngineHarness.HostAgents("a")), runId: runId));

        Assert.Equal(CouncilRunStatus.Failed, (await engine.Repository.GetRunAsync(runId))!.Status);
        var failed = Assert.Single(await engine.EventsAsync(runId), e => e.Kind == RunEventKinds.StepFailed);
        Assert.Equal("no", failed.Payload.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_event_log_failure_does_not_stop_the_run()
    {
        var repository = new FaultyCouncilRepository(new InMemoryCouncilRepository()) { FailAppends = true };
        await using var engine = EngineHarness.Create(Agents, repository);

        var result = await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a", "b", "c")), Ctx());

        Assert.Equal("C", result.FinalContext["c"]!.GetValue<string>());
        Assert.Equal(CouncilRunStatus.Completed, (await engine.Repository.GetRunAsync(result.RunId))!.Status);
        Assert.Empty(await engine.EventsAsync(result.RunId));
    }

    [Fact]
    public async Task A_status_write_failure_propagates()
    {
        var repository = new FaultyCouncilRepository(new InMemoryCouncilRepository()) { FailStatus = CouncilRunStatus.Completed };
        await using var engine = EngineHarness.Create(Agents, repository);

        await Assert.ThrowsAsync<StorageException>(() => engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a", "b", "c")), Ctx()));
    }

    [Fact]
    public async Task The_run_id_is_returned_and_the_launch_context_is_not_changed()
    {
        await using var engine = EngineHarness.Create(Agents);
        var ctx = Ctx();

        var result = await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a", "b", "c")), ctx);

        Assert.NotNull(await engine.Repository.GetRunAsync(result.RunId));
        Assert.Equal("""{"items":[1,2]}""", ctx.ToJsonString());
    }

    [Fact]
    public async Task A_step_whose_output_cannot_be_written_is_still_recorded_as_done()
    {
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("a", TestAgent.Constant("A")));
        var runId = CouncilRunId.New();

        await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(
            EngineHarness.Blueprint("""{"kind":"step","ref":"a","out":"$.text.inner"}""", EngineHarness.HostAgents("a")),
            new JsonObject { ["text"] = "not an object" },
            runId: runId));

        var run = (await engine.Repository.GetRunAsync(runId))!;
        Assert.Equal(CouncilRunStatus.Failed, run.Status);
        var events = await engine.EventsAsync(runId);
        var completed = Assert.Single(events, e => e.Kind == RunEventKinds.StepCompleted);
        Assert.Equal("A", completed.Payload.GetProperty("output").GetString());
        Assert.DoesNotContain(events, e => e.Kind == RunEventKinds.WaveCompleted); // the wave did not finish
    }

    [Fact]
    public async Task The_stored_graph_holds_the_plan_and_the_final_ctx_and_is_written_twice_per_run()
    {
        var counting = new CountingCouncilRepository(new InMemoryCouncilRepository());
        await using var engine = EngineHarness.Create(Agents, counting);

        var result = await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a", "b", "c")), Ctx());

        var graph = (await engine.Repository.GetRunAsync(result.RunId))!.Graph!.Value;
        Assert.Equal(2, graph.GetProperty("format").GetInt32());
        Assert.Equal("test-flow", graph.GetProperty("blueprint").GetProperty("id").GetString());
        Assert.Equal("""{"items":[1,2]}""", graph.GetProperty("initial_context").GetRawText());
        Assert.Equal(result.FinalContext.ToJsonString(), graph.GetProperty("final_context").GetRawText());
        Assert.False(graph.TryGetProperty("nodes", out _));
        Assert.Equal(2, counting.GraphWrites); // the plan when the run starts, the final ctx when it completes: not once per wave
        // 4 step starts; 2 sequential completions, each with its wave's end; 2 branch completions; the fan-out's end.
        Assert.Equal(11, counting.EventsAppended);
        // A sequential completion, a wave's end and a branch's start go with the run's next write: a's start; a's end and
        // both branch starts with the first branch's completion; the second branch's completion (unless it meets the
        // first's write); the fan-out's end with c's start; c's end with the final graph.
        Assert.InRange(counting.EventWrites, 4, 5);
    }

    [Fact]
    public async Task Branch_completions_recorded_with_their_wave_make_a_fanout_cost_no_write_of_its_own()
    {
        var counting = new CountingCouncilRepository(new InMemoryCouncilRepository());
        await using var engine = EngineHarness.Create(
            s =>
            {
                Agents(s);
                s.Configure<IssueCoreOptions>(o => o.RecordEachBranchCompletion = false);
            },
            counting);

        var result = await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a", "b", "c")), Ctx());

        // a's start; everything up to c's start (a's end, both branches, the fan-out's end) in one write; c's end with the graph.
        Assert.Equal(3, counting.EventWrites);
        Assert.Equal(11, counting.EventsAppended);
        var events = await engine.EventsAsync(result.RunId);
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal([1, 2], events.Where(e => e.Kind == RunEventKinds.StepCompleted && e.NodeId == "$.flow.children[1].body").Select(e => e.Payload.GetProperty("output").GetInt32()).Order());
        Assert.Equal([0, 1, 2], events.Where(e => e.Kind == RunEventKinds.WaveCompleted).Select(e => e.Wave));
        Assert.Equal(CouncilRunStatus.Completed, (await engine.Repository.GetRunAsync(result.RunId))!.Status);
    }
}
