using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace IssueCore.Reliability.Tests;

public sealed class KillWhileAwaitingApprovalTests(ITestOutputHelper output, SummarySink sink) : IClassFixture<SummarySink>
{
    [Fact]
    public async Task Issues_waiting_for_approval_survive_kill_9_and_a_new_process_approves_each_exactly_once_on_sqlite()
    {
        await using var h = PipelineHarness.Sqlite();

        await KillWhileAwaitingApprovalAsync(h, "approval kill-9 sqlite");
    }

    [PostgresFact]
    public async Task Issues_waiting_for_approval_survive_kill_9_and_a_new_process_approves_each_exactly_once_on_postgres()
    {
        await using var h = PipelineHarness.Postgres(PostgresFactAttribute.ConnectionString!);

        await KillWhileAwaitingApprovalAsync(h, "approval kill-9 postgres");
    }

    /// <summary>
    /// A dispatcher process parks every issue for approval and is killed -9 while they wait. A second process is asked
    /// to approve them all and is killed -9 right after the first approval it reports (the rest may be decided,
    /// committed or not yet asked). A third process approves what still waits, and its worker finishes every decision
    /// the killed one recorded. Each issue is applied exactly once, with one commit and one log entry naming the approver.
    /// </summary>
    private async Task KillWhileAwaitingApprovalAsync(PipelineHarness h, string label)
    {
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        await h.InstallAsync();
        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default, ct);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { RequireApproval = true }, ct);
        var series = await h.SeedSeriesAsync("wait", 8);
        var ids = new List<IssueId>();
        foreach (var target in series)
        {
            ids.Add(await h.EnqueueAsync(target, """[{"op":"add","path":"/metadata/approved","value":true}]""", "needs a person"));
        }

        await using (var parker = DispatcherProcess.Start("parker", h.ChildArgsFor("parker"), "lease-ms=2000"))
        {
            await parker.WaitReadyAsync(ct);
            await WaitUntilAsync(async () => await CountAsync(h, ids, IssueState.AwaitingApproval, ct) == ids.Count, ct);
            await parker.KillAsync(ct);
            await h.SettleAfterKillAsync("parker", ct);
        }

        // The wait survived the kill: every issue still waits, holds no lease, and its run waits with it.
        foreach (var id in ids)
        {
            var issue = await h.Issues.GetAsync(id, ct);
            Assert.Equal(IssueState.AwaitingApproval, issue.Status.State);
            Assert.Null(issue.LeaseOwner);
            var approval = await h.Issues.FindApprovalAsync(id, ct);
            Assert.NotNull(approval);
            // The issue is the record of the wait; its run follows it (a kill between the two leaves the run Running,
            // and the next host start marks it Interrupted).
            Assert.Contains((await h.Council.GetRunAsync(approval.RunId!.Value, ct))!.Status, new[] { CouncilRunStatus.AwaitingApproval, CouncilRunStatus.Running });
        }

        foreach (var target in series)
        {
            Assert.Single(await h.Blueprints.HistoryAsync(target, 10, ct));
        }

        int killedAfter;
        await using (var first = DispatcherProcess.Start("approver-1", h.ChildArgsFor("approver-1"), "lease-ms=2000"))
        {
            await first.WaitReadyAsync(ct);
            foreach (var id in ids)
            {
                await first.ApproveAsync(id.Value, "alice", ct);
            }

            await WaitUntilAsync(() => Task.FromResult(first.Approvals >= 1), ct);
            await first.KillAsync(ct);
            killedAfter = first.Approvals;
            await h.SettleAfterKillAsync("approver-1", ct);
        }

        await using (var second = DispatcherProcess.Start("approver-2", h.ChildArgsFor("approver-2"), "lease-ms=2000"))
        {
            await second.WaitReadyAsync(ct);
            foreach (var id in ids)
            {
                if ((await h.Issues.GetAsync(id, ct)).Status.State == IssueState.AwaitingApproval)
                {
                    await second.ApproveAsync(id.Value, "bob", ct);
                }
            }

            await WaitUntilAsync(async () => await CountAsync(h, ids, IssueState.Applied, ct) == ids.Count, ct);
            await second.StopAsync(ct);
        }

        foreach (var (id, target) in ids.Zip(series))
        {
            var history = await h.Blueprints.HistoryAsync(target, 10, ct);
            Assert.Equal(2, history.Count);
            Assert.Equal(id, history[0].Metadata.IssueId);
            var entry = await h.Log.GetAsync(id, ct);
            Assert.Equal(EnhanceOutcome.Applied, entry.Outcome);
            Assert.Contains(entry.Approver, new[] { "alice", "bob" });
            Assert.Equal(history[0].Version, entry.NewVersion);
            Assert.Equal(IssueStatus.Applied(history[0].Version), (await h.Issues.GetAsync(id, ct)).Status);
            var run = (await h.Issues.FindApprovalAsync(id, ct))!.RunId!.Value;
            Assert.Equal(CouncilRunStatus.Completed, (await h.Council.GetRunAsync(run, ct))!.Status);
        }

        Assert.True(await h.DrainedAsync(ct));
        ScenarioSummary.Write(output, sink, label, await PipelineInvariants.CheckAsync(h, ids, series), elapsed, ("issues", ids.Count), ("approved_before_kill", killedAfter));
    }

    private static async Task<int> CountAsync(PipelineHarness h, IEnumerable<IssueId> ids, IssueState state, CancellationToken ct)
    {
        var count = 0;
        foreach (var id in ids)
        {
            if ((await h.Issues.GetAsync(id, ct)).Status.State == state)
            {
                count++;
            }
        }

        return count;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        while (!await condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, ct);
        }
    }
}
