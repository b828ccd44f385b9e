using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Adapters.InMemory;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using IssueCore.Security;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Launch;

/// <summary>Runs recorded by earlier versions (graph format 1: node states and ctx snapshots in the graph) still resume.</summary>
public sealed class LegacyRunGraphTests
{
    private const string FourSteps =
        """{"kind":"seq","children":[{"kind":"step","ref":"a","out":"$.a"},{"kind":"step","ref":"b","out":"$.b"},{"kind":"step","ref":"c","out":"$.c"},{"kind":"step","ref":"d","out":"$.d"}]}""";

    private static async Task<CouncilRunId> StoreLegacyRunAsync(InMemoryCouncilRepository repository)
    {
        var blueprint = EngineHarness.Blueprint(FourSteps, EngineHarness.HostAgents("a", "b", "c", "d"));
        var runId = CouncilRunId.New();
        var now = DateTimeOffset.UnixEpoch;
        await repository.CreateRunAsync(new CouncilRun { Id = runId, FlowId = "test-flow", Status = CouncilRunStatus.Running, CreatedAt = now, UpdatedAt = now });
        var graph = $$$"""
            {"format":1,"blueprint":{{{blueprint.CanonicalJson}}},"initial_context":{"x":1},"operator_id":"op-1","role":"operator","ttl_ms":60000,
             "nodes":{"$.flow.children[0]":{"node":"$.flow.children[0]","wave":0,"done":true,"output":"old-A"},
                      "$.flow.children[1]":{"node":"$.flow.children[1]","wave":1,"done":true,"output":"old-B"}},
             "next_wave":2,"context":{"x":1,"a":"old-A","b":"old-B"}}
            """;
        using (var document = JsonDocument.Parse(graph))
        {
            await repository.UpdateGraphAsync(runId, document.RootElement);
        }

        await repository.MarkInterruptedRunsAsync();
        return runId;
    }

    private static Action<IServiceCollection> Agents(Dictionary<string, TestAgent> byName) => s =>
    {
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            byName[name] = TestAgent.Constant(name.ToUpperInvariant());
            s.AddIssueCoreAgent(name, byName[name]);
        }
    };

    [Fact]
    public async Task A_format_1_run_resumes_from_the_node_states_in_its_graph()
    {
        var repository = new InMemoryCouncilRepository();
        var runId = await StoreLegacyRunAsync(repository);
        var agents = new Dictionary<string, TestAgent>();
        await using var engine = EngineHarness.Create(Agents(agents), repository);

        var result = await engine.Launcher.ResumeAsync(runId, engine.Launcher.IssueToken(runId, "op-1", Roles.Operator));

        Assert.Equal("""{"x":1,"a":"old-A","b":"old-B","c":"C","d":"D"}""", result.FinalContext.ToJsonString());
        Assert.Equal((0, 0, 1, 1), (agents["a"].Calls, agents["b"].Calls, agents["c"].Calls, agents["d"].Calls));
        Assert.Equal([2, 3], (await engine.EventsAsync(runId)).Where(e => e.Kind == RunEventKinds.WaveCompleted).Select(e => e.Wave));
    }

    [Fact]
    public async Task A_format_1_run_reads_its_ctx_and_rewinds_dropping_later_node_states()
    {
        var repository = new InMemoryCouncilRepository();
        var runId = await StoreLegacyRunAsync(repository);
        var agents = new Dictionary<string, TestAgent>();
        await using var engine = EngineHarness.Create(Agents(agents), repository);

        var ctx = await engine.Launcher.ReadContextAsync(runId, engine.Launcher.IssueToken(runId, "op-1", Roles.Operator));
        var result = await engine.Launcher.RewindAsync(runId, 0, engine.Launcher.IssueToken(runId, "op-1", Roles.Operator));

        Assert.Equal("""{"x":1,"a":"old-A","b":"old-B"}""", ctx.ToJsonString());
        Assert.Equal("""{"x":1,"a":"old-A","b":"B","c":"C","d":"D"}""", result.FinalContext.ToJsonString());
        Assert.Equal((0, 1, 1, 1), (agents["a"].Calls, agents["b"].Calls, agents["c"].Calls, agents["d"].Calls));
    }
}
