using IssueCore.Adapters.InMemory;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using IssueCore.Scripting;
using IssueCore.Security;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Launch;

public sealed class ResolveAndFailureRecordingTests
{
    [Fact]
    public async Task Broken_lua_agents_are_listed_with_the_flow_errors_before_anything_runs()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"step","ref":"missing"},{"kind":"step","ref":"ghost"},{"kind":"step","ref":"broken"},{"kind":"step","ref":"remote"}]}""",
            """
            [{"name":"missing","kind":"lua","spec":{"fn_id":"not-registered"}},
             {"name":"broken","kind":"lua","spec":{"source":"return {"}},
             {"name":"remote","kind":"host"}]
            """);

        var ex = await Assert.ThrowsAsync<ValidationException>(() => engine.LaunchAsync(flow));

        Assert.Equal(
            ["$.flow.children[1].ref", "$.agents[0].spec.fn_id", "$.agents[1].spec.source", "$.agents[2].name"],
            ex.Errors.Select(e => e.Path));
        Assert.Contains("not-registered", ex.Errors[1].Message, StringComparison.Ordinal);
        Assert.Empty(await ListAsync(engine.Repository.ListRunsAsync()));
    }

    [Fact]
    public async Task A_registered_fn_id_and_compiling_source_bind()
    {
        await using var engine = EngineHarness.Create();
        engine.Provider.GetRequiredService<LuaScriptExecutor>().RegisterScript("one", "return {ok = true, value = 1}");
        var flow = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"step","ref":"a","out":"$.a"},{"kind":"step","ref":"b","out":"$.b"}]}""",
            """[{"name":"a","kind":"lua","spec":{"fn_id":"one"}},{"name":"b","kind":"lua","spec":{"source":"return {ok = true, value = 2}"}}]""");

        var result = await engine.LaunchAsync(flow);

        Assert.Equal("""{"a":1,"b":2}""", result.FinalContext.ToJsonString());
    }

    [Fact]
    public async Task A_run_whose_graph_cannot_be_written_ends_failed_instead_of_running()
    {
        var faulty = new FaultyCouncilRepository(new InMemoryCouncilRepository(TimeProvider.System));
        var runId = CouncilRunId.New();
        var flow = EngineHarness.Blueprint("""{"kind":"step","ref":"a","out":"$.a"}""", EngineHarness.HostAgents("a"));

        // The launch writes the graph once before the flow starts; fail only the writes after it.
        var gate = new TestAgent((_, _) =>
        {
            faulty.FailGraphWrites = true;
            return ValueTask.FromResult<System.Text.Json.Nodes.JsonNode?>(1);
        });
        await using var failing = EngineHarness.Create(s => s.AddIssueCoreAgent("a", gate), faulty);

        var ex = await Assert.ThrowsAsync<StorageException>(() => failing.LaunchAsync(flow, runId: runId));

        Assert.Equal("graph store unavailable", ex.Message);
        Assert.Equal(CouncilRunStatus.Failed, (await faulty.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task A_run_whose_first_graph_write_fails_ends_failed_instead_of_running()
    {
        var faulty = new FaultyCouncilRepository(new InMemoryCouncilRepository(TimeProvider.System)) { FailGraphWrites = true };
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("a", TestAgent.Constant(1)), faulty);
        var runId = CouncilRunId.New();

        await Assert.ThrowsAsync<StorageException>(() => engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"a","out":"$.a"}""", EngineHarness.HostAgents("a")), runId: runId));

        Assert.Equal(CouncilRunStatus.Failed, (await faulty.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task A_rewind_whose_blueprint_no_longer_binds_keeps_the_run_events()
    {
        var repository = new InMemoryCouncilRepository(TimeProvider.System);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocking = new TestAgent(async (_, ct) =>
        {
            started.TrySetResult();
            await new TaskCompletionSource().Task.WaitAsync(ct);
            return null;
        });
        var first = EngineHarness.Create(
            s =>
            {
                s.AddIssueCoreAgent("a", TestAgent.Constant("A")).AddIssueCoreAgent("b", TestAgent.Constant("B")).AddIssueCoreAgent("c", blocking);
                s.Configure<IssueCoreOptions>(o => o.RunHeartbeatInterval = Timeout.InfiniteTimeSpan);
            },
            repository);
        var runId = CouncilRunId.New();
        var flow = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"step","ref":"a","out":"$.a"},{"kind":"step","ref":"b","out":"$.b"},{"kind":"step","ref":"c","out":"$.c"}]}""",
            EngineHarness.HostAgents("a", "b", "c"));
        _ = first.LaunchAsync(flow, runId: runId);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await repository.MarkInterruptedRunsAsync();
        var before = await ListAsync(repository.ListEventsAsync(runId));

        // The host restarted without agent "c": the stored Blueprint no longer binds.
        await using var restarted = EngineHarness.Create(s => s.AddIssueCoreAgent("a", TestAgent.Constant("A")).AddIssueCoreAgent("b", TestAgent.Constant("B")), repository);
        await Assert.ThrowsAsync<ValidationException>(() => restarted.Launcher.RewindAsync(runId, 0, restarted.Launcher.IssueToken(runId, "op-1", Roles.Operator)));

        Assert.Equal(before.Select(e => e.Sequence), (await ListAsync(repository.ListEventsAsync(runId))).Select(e => e.Sequence));
        Assert.Equal(CouncilRunStatus.Interrupted, (await repository.GetRunAsync(runId))!.Status);
    }

    private static async Task<List<T>> ListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
