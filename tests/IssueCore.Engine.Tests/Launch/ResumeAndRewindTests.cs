using System.Text.Json.Nodes;
using IssueCore.Adapters.InMemory;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using IssueCore.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Engine.Tests.Launch;

public sealed class ResumeAndRewindTests
{
    private static readonly string FourSteps =
        """
        {"kind":"seq","children":[
          {"kind":"step","ref":"a","out":"$.a"},
          {"kind":"step","ref":"b","out":"$.b"},
          {"kind":"step","ref":"c","out":"$.c"},
          {"kind":"step","ref":"d","out":"$.d"}
        ]}
        """;

    private sealed class Agents
    {
        public Dictionary<string, TestAgent> ByName { get; } = [];

        public List<JsonObject> SeenByB { get; } = [];

        public void Register(IServiceCollection services, string? blockOn = null, TaskCompletionSource? started = null)
        {
            foreach (var name in new[] { "a", "b", "c", "d" })
            {
                var agent = name == blockOn
                    ? new TestAgent(async (_, ct) =>
                    {
                        started!.TrySetResult();
                        await new TaskCompletionSource().Task.WaitAsync(ct); // the process "dies" here
                        return null;
                    })
                    : new TestAgent((inv, _) =>
                    {
                        if (name == "b")
                        {
                            lock (SeenByB)
                            {
                                SeenByB.Add(inv.Input!.DeepClone().AsObject());
                            }
                        }

                        return ValueTask.FromResult<JsonNode?>(name.ToUpperInvariant());
                    });
                ByName[name] = agent;
                services.AddIssueCoreAgent(name, agent);
            }
        }
    }

    /// <summary>Runs the flow in a first "process" until step <paramref name="blockOn"/> hangs, leaving the run Running.</summary>
    private static async Task<(CouncilRunId RunId, Agents First)> CrashAtAsync(InMemoryCouncilRepository repository, FakeTimeProvider time, string blockOn)
    {
        var first = new Agents();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var crashed = EngineHarness.Create(
            s =>
            {
                first.Register(s, blockOn, started);
                s.Configure<IssueCoreOptions>(o => o.RunHeartbeatInterval = Timeout.InfiniteTimeSpan); // a dead process sends no heartbeat
            },
            repository,
            time);
        var runId = CouncilRunId.New();
        _ = crashed.LaunchAsync(EngineHarness.Blueprint(FourSteps, EngineHarness.HostAgents("a", "b", "c", "d")), runId: runId);
        await started.Task;
        return (runId, first);
    }

    [Fact]
    public async Task Resume_after_a_crash_reruns_only_the_unfinished_steps()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var repository = new InMemoryCouncilRepository(time);
        var (runId, first) = await CrashAtAsync(repository, time, blockOn: "c");
        Assert.Equal(CouncilRunStatus.Running, (await repository.GetRunAsync(runId))!.Status);

        time.Advance(TimeSpan.FromMinutes(3)); // longer than the default AbandonedRunTimeout: the first process is silent

        var second = new Agents();
        await using var restarted = EngineHarness.Create(s => second.Register(s), repository, time);
        foreach (var hosted in restarted.Provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        Assert.Equal(CouncilRunStatus.Interrupted, (await repository.GetRunAsync(runId))!.Status);
        var result = await restarted.Launcher.ResumeAsync(runId, restarted.Launcher.IssueToken(runId, "op-1", Roles.Operator));

        Assert.Equal((1, 1, 1), (first.ByName["a"].Calls, first.ByName["b"].Calls, first.ByName["c"].Calls));
        Assert.Equal((0, 0, 1, 1), (second.ByName["a"].Calls, second.ByName["b"].Calls, second.ByName["c"].Calls, second.ByName["d"].Calls));
        Assert.Equal("""{"a":"A","b":"B","c":"C","d":"D"}""", result.FinalContext.ToJsonString());
        Assert.Equal(CouncilRunStatus.Completed, (await repository.GetRunAsync(runId))!.Status);
        var events = await restarted.EventsAsync(runId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal([0, 1, 2, 3], events.Where(e => e.Kind == RunEventKinds.WaveCompleted).Select(e => e.Wave));
        Assert.Equal(2, events.Count(e => e.Kind == RunEventKinds.StepStarted && e.NodeId == "$.flow.children[2]"));
    }

    [Fact]
    public async Task Rewind_reexecutes_only_the_waves_after_the_chosen_one_from_its_snapshot()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var repository = new InMemoryCouncilRepository(time);
        var (runId, first) = await CrashAtAsync(repository, time, blockOn: "d");
        await repository.MarkInterruptedRunsAsync();
        var before = await ListAsync(repository, runId);

        var second = new Agents();
        await using var restarted = EngineHarness.Create(s => second.Register(s), repository, time);
        var result = await restarted.Launcher.RewindAsync(runId, 0, restarted.Launcher.IssueToken(runId, "op-1", Roles.Operator));

        Assert.Equal((1, 1, 1), (first.ByName["a"].Calls, first.ByName["b"].Calls, first.ByName["c"].Calls));
        Assert.Equal((0, 1, 1, 1), (second.ByName["a"].Calls, second.ByName["b"].Calls, second.ByName["c"].Calls, second.ByName["d"].Calls));
        Assert.Equal("""{"a":"A"}""", Assert.Single(second.SeenByB).ToJsonString()); // b ran on wave 0's ctx
        Assert.Equal("""{"a":"A","b":"B","c":"C","d":"D"}""", result.FinalContext.ToJsonString());

        var after = await ListAsync(repository, runId);
        var lastBefore = before.Max(e => e.Sequence);
        Assert.All(after.Where(e => e.Sequence <= lastBefore), e => Assert.Equal(0, e.Wave)); // later waves' old events are gone
        Assert.Equal([1, 2, 3], after.Where(e => e.Kind == RunEventKinds.WaveCompleted && e.Sequence > lastBefore).Select(e => e.Wave));
        Assert.Equal(CouncilRunStatus.Completed, (await repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task A_completed_run_cannot_be_resumed_or_rewound()
    {
        var agents = new Agents();
        await using var engine = EngineHarness.Create(s => agents.Register(s));
        var result = await engine.LaunchAsync(EngineHarness.Blueprint(FourSteps, EngineHarness.HostAgents("a", "b", "c", "d")));

        await Assert.ThrowsAsync<ConflictException>(() => engine.Launcher.ResumeAsync(result.RunId, result.Token));
        await Assert.ThrowsAsync<ConflictException>(() => engine.Launcher.RewindAsync(result.RunId, 0, result.Token));
        Assert.Equal(1, agents.ByName["a"].Calls);
    }

    [Fact]
    public async Task Read_context_of_an_interrupted_run_returns_the_last_wave_snapshot()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var repository = new InMemoryCouncilRepository(time);
        var (runId, _) = await CrashAtAsync(repository, time, blockOn: "c");
        await using var restarted = EngineHarness.Create(null, repository, time);

        var ctx = await restarted.Launcher.ReadContextAsync(runId, restarted.Launcher.IssueToken(runId, "op-1", Roles.Automate));

        Assert.Equal("""{"a":"A","b":"B"}""", ctx.ToJsonString());
    }

    private static async Task<List<CouncilRunEvent>> ListAsync(ICouncilRepository repository, CouncilRunId runId)
    {
        var list = new List<CouncilRunEvent>();
        await foreach (var e in repository.ListEventsAsync(runId))
        {
            list.Add(e);
        }

        return list;
    }
}
