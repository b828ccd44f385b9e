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
    public async Task A_launch_records_the_run_its_step_events_by_wave_and_a_snapshot_per_wave()
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
        Assert.Equal("A", waves[0].Payload.GetProperty("ctx").GetProperty("a").GetString());
        Assert.False(waves[0].Payload.GetProperty("ctx").TryGetProperty("fan", out _));
        Assert.Equal(2, waves[1].Payload.GetProperty("ctx").GetProperty("fan").GetArrayLength());

        var nodes = run.Graph!.Value.GetProperty("nodes");
        Assert.Equal(4, nodes.EnumerateObject().Count());
        Assert.All(nodes.EnumerateObject(), n => Assert.True(n.Value.GetProperty("done").GetBoolean()));
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
        Assert.Single(await engine.EventsAsync(runId), e => e.Kind == RunEventKinds.StepCompleted);
        var state = Assert.Single(run.Graph!.Value.GetProperty("nodes").EnumerateObject()).Value;
        Assert.Equal("A", state.GetProperty("output").GetString());
        Assert.Equal(0, run.Graph!.Value.GetProperty("next_wave").GetInt32());
    }

    [Fact]
    public async Task The_stored_graph_holds_each_finished_step_and_the_last_wave_ctx()
    {
        await using var engine = EngineHarness.Create(Agents);

        var result = await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a", "b", "c")), Ctx());

        var graph = (await engine.Repository.GetRunAsync(result.RunId))!.Graph!.Value;
        Assert.Equal(3, graph.GetProperty("next_wave").GetInt32());
        Assert.Equal("test-flow", graph.GetProperty("blueprint").GetProperty("id").GetString());
        Assert.Equal("""{"items":[1,2]}""", graph.GetProperty("initial_context").GetRawText());
        Assert.Equal(result.FinalContext.ToJsonString(), graph.GetProperty("context").GetRawText());
        var waves = graph.GetProperty("nodes").EnumerateObject().Select(n => (n.Value.GetProperty("node").GetString(), n.Value.GetProperty("wave").GetInt32())).Order().ToList();
        Assert.Equal([("$.flow.children[0]", 0), ("$.flow.children[1].body", 1), ("$.flow.children[1].body", 1), ("$.flow.children[2]", 2)], waves);
    }
}
