using System.Diagnostics;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace IssueCore.Reliability.Tests;

public sealed class HostileBlueprintTests(ITestOutputHelper output, SummarySink sink) : IClassFixture<SummarySink>
{
    // The dispatcher host's peak working set must stay far below what an unbounded Lua state would reach: about
    // 100 MiB is measured; the executor's memory cap is 32 MiB per state, and the memory bomb alone would take
    // gigabytes unbounded (and a 10 MB output copied through the flow several hundred MiB).
    private const long MemoryCeiling = 400L * 1024 * 1024;

    // Each hostile dispatch, from its flow run's start to the issue's terminal status, must end long before the
    // setting's 5-minute TTL would have stopped it: a budget ends it (about a second is measured). Generous, so
    // that a loaded machine never fails it; it only fails when nothing but a TTL stopped the script.
    private static readonly TimeSpan HostileDispatchLimit = TimeSpan.FromMinutes(1);

    private static readonly BlueprintId Series = BlueprintId.Parse("hostile00");

    [Fact]
    public async Task Patches_installing_hostile_lua_agents_end_rejected_with_typed_reasons_and_later_issues_apply()
    {
        // Arrange: the smoke axis runs every proposed Blueprint once in the sandbox before it may be committed.
        var elapsed = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var h = PipelineHarness.Sqlite();
        await h.InstallAsync([.. EnhanceSetting.BuiltInAxes, "smoke"]);
        await h.Blueprints.WriteNewAsync(Series, PipelineHarness.SeriesSeed(Series.Value), [], new CommitMetadata("seed", Origin: "seed"));
        var before = await h.EnqueueAsync(Series, """[{"op":"add","path":"/metadata/before","value":1}]""", "benign before");
        var loop = await h.EnqueueAsync(Series, Install("while true do end"), "endless loop");
        var bomb = await h.EnqueueAsync(Series, Install("local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('m', 65536) .. i end"), "memory bomb");
        var exec = await h.EnqueueAsync(Series, Install("os.execute('touch /tmp/issuecore-pwned') return {ok = true, value = 1}"), "os.execute");
        var output10 = await h.EnqueueAsync(Series, Install("return {ok = true, value = string.rep('x', 10 * 1024 * 1024)}"), "10 MB output");
        var after1 = await h.EnqueueAsync(Series, """[{"op":"add","path":"/metadata/after1","value":1}]""", "benign after");
        var after2 = await h.EnqueueAsync(Series, Install("return {ok = true, value = 'fine'}"), "benign agent after");
        IssueId[] ids = [before, loop, bomb, exec, output10, after1, after2];

        // Act
        await using var child = DispatcherProcess.Start("hostile", h.ChildArgs);
        await child.WaitReadyAsync(timeout.Token);
        while (!await h.DrainedAsync(timeout.Token))
        {
            Assert.False(child.HasExited, child.StderrTail());
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, timeout.Token);
        }

        var peak = await child.StopAsync(timeout.Token);

        // Assert: each hostile issue is rejected with the budget (or the sandbox) named; the others apply.
        await AssertRejectedAsync(h, loop, "script Instructions");
        await AssertRejectedAsync(h, bomb, "script Memory");
        await AssertRejectedAsync(h, exec, "'os'");
        await AssertRejectedAsync(h, output10, "script OutputSize");
        foreach (var id in new[] { before, after1, after2 })
        {
            Assert.Equal(IssueState.Applied, (await h.Issues.GetAsync(id)).Status.State);
        }

        Assert.False(File.Exists("/tmp/issuecore-pwned"));
        Assert.InRange(peak, 1, MemoryCeiling);
        var slowest = TimeSpan.Zero;
        foreach (var id in new[] { loop, bomb, exec, output10 })
        {
            var took = await DispatchTimeAsync(h, id, timeout.Token);
            Assert.True(took <= HostileDispatchLimit, $"The hostile issue {id} took {took} from its flow run's start to its terminal status.");
            slowest = took > slowest ? took : slowest;
        }

        var report = await PipelineInvariants.CheckAsync(h, ids, [Series]);
        Assert.Equal((3, 4), (report.Applied, report.Rejected));
        ScenarioSummary.Write(output, sink, "hostile sqlite", report, elapsed, ("hostile", 4), ("kills", 0), ("peak_working_set_mib", peak / (1024 * 1024)), ("slowest_hostile_dispatch_s", Math.Round(slowest.TotalSeconds, 1)));
    }

    /// <summary>A patch that adds a Lua agent with <paramref name="source"/> and a step that runs it.</summary>
    private static string Install(string source)
    {
        var name = "agent" + Guid.NewGuid().ToString("N")[..8];
        var agent = JsonSerializer.Serialize(new { name, kind = "lua", spec = new { source } });
        return $$$"""
            [{"op":"add","path":"/agents/-","value":{{{agent}}}},
             {"op":"add","path":"/flow/children/-","value":{"kind":"step","ref":"{{{name}}}","in":{"op":"path","at":"$"},"out":"$.{{{name}}}"}}]
            """;
    }

    /// <summary>
    /// How long the issue's dispatch took, from the store's own timestamps: from the start of the flow run that
    /// dispatched it (the first run whose subject is the issue) to the issue's terminal status.
    /// </summary>
    private static async Task<TimeSpan> DispatchTimeAsync(PipelineHarness h, IssueId id, CancellationToken cancellationToken)
    {
        var issue = await h.Issues.GetAsync(id, cancellationToken);
        Assert.True(issue.Status.IsTerminal);
        DateTimeOffset? started = null;
        await foreach (var run in h.Council.ListRunsAsync(cancellationToken: cancellationToken))
        {
            if (run.Subject == "issue:" + id.Value && (started is null || run.CreatedAt < started))
            {
                started = run.CreatedAt;
            }
        }

        Assert.True(started is not null, $"No flow run dispatched the issue {id}.");
        Assert.Equal(1, issue.Attempts);
        return issue.UpdatedAt - started.Value;
    }

    private static async Task AssertRejectedAsync(PipelineHarness h, IssueId id, string reason)
    {
        var issue = await h.Issues.GetAsync(id);
        Assert.Equal(IssueState.Rejected, issue.Status.State);
        Assert.Contains(reason, issue.Status.Reason, StringComparison.Ordinal);
        var entry = await h.Log.GetAsync(id);
        var smoke = Assert.Single(entry.Verdicts, v => v.Axis == "smoke");
        Assert.Equal(VerdictStatus.Deny, smoke.Status);
    }
}
