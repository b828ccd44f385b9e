using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class RequeueTests
{
    private const string Patch = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    [Fact]
    public async Task Dead_letter_requeued_by_two_operators_at_once_is_applied_exactly_once_with_a_fresh_budget()
    {
        var faults = new FaultPlan { Match = n => n == "blueprints.head" };
        await using var h = await EnhanceHarness.CreateAsync(faults: faults, options: o => o.MaxAttempts = 2);
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        faults.Always = true;
        await h.DrainAsync([id]);
        Assert.Equal(IssueState.Failed, (await h.Issues.GetAsync(id)).Status.State);
        faults.Always = false;
        var second = h.NewDispatcher("dispatcher-2");
        using var start = new ManualResetEventSlim();

        var racers = new[] { (App: h.App, Who: "alice"), (App: second, Who: "bob") }.Select(r => Task.Run(async () =>
        {
            start.Wait();
            return await r.App.RequeueAsync(id, r.Who);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(racers);
        var outcomes = await h.DrainAsync([id]);
        outcomes.AddRange(await h.DrainAsync([id], second));

        Assert.Single(results, r => r.Requeued);
        var applied = Assert.Single(outcomes, o => o.Result == DispatchResult.Applied);
        Assert.Equal(3, applied.Attempt);
        var issue = await h.Issues.GetAsync(id);
        Assert.Equal(IssueState.Applied, issue.Status.State);
        Assert.Equal(1, issue.Round);
        Assert.Equal(2, (await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10)).Count);
        var log = await h.LogEntriesAsync();
        Assert.Equal([(0, EnhanceOutcome.Failed), (1, EnhanceOutcome.Applied)], log.Select(e => (e.Round, e.Outcome)));
        Assert.Equal(issue.Status.NewVersion, log[1].NewVersion);
        Assert.Single(await h.Issues.ListRequeuesAsync(id));
    }

    [Fact]
    public async Task Requeued_issue_gets_a_whole_new_retry_budget_before_it_is_dead_lettered_again()
    {
        var faults = new FaultPlan { Match = n => n == "blueprints.head" };
        await using var h = await EnhanceHarness.CreateAsync(faults: faults, options: o => o.MaxAttempts = 2);
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        faults.Always = true;
        await h.DrainAsync([id]);

        await h.App.RequeueAsync(id, "alice");
        var outcomes = await h.DrainAsync([id]);

        Assert.Equal([DispatchResult.Retrying, DispatchResult.Failed], outcomes.Select(o => o.Result));
        var issue = await h.Issues.GetAsync(id);
        Assert.Equal(4, issue.Attempts);
        Assert.Contains("gave up after 2 attempts", issue.Status.Reason, StringComparison.Ordinal);
        Assert.Equal([0, 1], (await h.LogEntriesAsync()).Select(e => e.Round));
    }

    [Fact]
    public async Task Rejected_issue_requeued_is_judged_again_and_logged_in_its_new_round()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var id = (await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-a"}]""")).Issue.Id;
        var first = await h.DrainAsync([id]);
        Assert.Equal(DispatchResult.Rejected, Assert.Single(first).Result);

        var requeued = await h.App.RequeueAsync(id, "alice");
        var again = await h.DrainAsync([id]);

        Assert.True(requeued.Requeued);
        Assert.Equal(DispatchResult.Rejected, Assert.Single(again).Result);
        Assert.Equal([(0, EnhanceOutcome.Rejected), (1, EnhanceOutcome.Rejected)], (await h.LogEntriesAsync()).Select(e => (e.Round, e.Outcome)));
    }

    [Fact]
    public async Task Requeue_of_an_applied_issue_changes_nothing_and_of_an_unknown_issue_is_not_found()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        await h.DrainAsync([id]);

        var result = await h.App.RequeueAsync(id, "alice");

        Assert.False(result.Requeued);
        Assert.Equal(IssueState.Applied, result.Issue.Status.State);
        Assert.Null(await h.App.TickAsync());
        await Assert.ThrowsAsync<NotFoundException>(() => h.App.RequeueAsync(IssueId.Parse("issue:none"), "alice"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => h.App.RequeueAsync(id, ""));
    }
}
