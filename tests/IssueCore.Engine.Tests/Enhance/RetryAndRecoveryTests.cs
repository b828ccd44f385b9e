using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class RetryAndRecoveryTests
{
    private const string Patch = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    [Fact]
    public async Task Fault_releases_the_issue_with_a_back_off_and_the_next_attempt_applies_it()
    {
        var faults = new FaultPlan { Match = n => n == "blueprints.head" };
        await using var h = await EnhanceHarness.CreateAsync(faults: faults, options: o => o.RetryBaseDelay = TimeSpan.FromSeconds(10));
        var created = await h.EnqueueAsync(Patch);
        faults.Arm(1);

        var first = await h.App.TickAsync();
        var duringBackOff = await h.App.TickAsync();
        h.Time.Advance(TimeSpan.FromSeconds(10));
        var second = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Retrying, first!.Result);
        Assert.Contains("injected fault", first.Reason, StringComparison.Ordinal);
        Assert.Null(duringBackOff);
        Assert.Equal(DispatchResult.Applied, second!.Result);
        Assert.Equal(2, second.Attempt);
        Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(2, (await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10)).Count);
        Assert.Equal(IssueState.Applied, (await h.Issues.GetAsync(created.Issue.Id)).Status.State);
    }

    [Fact]
    public async Task Exhausted_retry_budget_dead_letters_the_issue_as_failed_with_the_last_error()
    {
        var faults = new FaultPlan { Match = n => n == "blueprints.head" };
        await using var h = await EnhanceHarness.CreateAsync(faults: faults, options: o => o.MaxAttempts = 3);
        var created = await h.EnqueueAsync(Patch);
        faults.Always = true;

        var outcomes = await h.DrainAsync([created.Issue.Id]);

        Assert.Equal([DispatchResult.Retrying, DispatchResult.Retrying, DispatchResult.Failed], outcomes.Select(o => o.Result));
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(IssueState.Failed, issue.Status.State);
        Assert.Contains("gave up after 3 attempts", issue.Status.Reason, StringComparison.Ordinal);
        Assert.Contains("injected fault before blueprints.head", issue.Status.Reason, StringComparison.Ordinal);
        var deadLetter = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Failed, deadLetter.Outcome);
        Assert.Null(deadLetter.NewVersion);
    }

    [Fact]
    public async Task Issue_whose_dispatcher_keeps_dying_reaches_the_dead_letter_through_lease_expiry()
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.MaxAttempts = 2);
        var created = await h.EnqueueAsync(Patch);
        for (var i = 0; i < 2; i++)
        {
            Assert.NotNull(await h.Issues.ClaimNextAsync("dies", h.Options.LeaseDuration));
            h.Time.Advance(h.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        }

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Failed, outcome!.Result);
        Assert.Contains("retry budget of 2 attempts exhausted", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
    }

    [Fact]
    public async Task Crash_after_the_commit_but_before_the_log_entry_finishes_the_bookkeeping_without_applying_again()
    {
        var faults = new FaultPlan { Match = n => n == "blueprints.write" };
        await using var h = await EnhanceHarness.CreateAsync(faults: faults);
        var created = await h.EnqueueAsync(Patch);
        faults.Arm(1, after: true);

        var outcomes = await h.DrainAsync([created.Issue.Id]);

        Assert.Equal([DispatchResult.Retrying, DispatchResult.Applied], outcomes.Select(o => o.Result));
        Assert.True(outcomes[1].Recovered);
        var history = await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10);
        Assert.Equal(2, history.Count);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(history[0].Version, entry.NewVersion);
        Assert.Equal(history[1].Version, entry.PreviousVersion);
    }

    [Fact]
    public async Task Crash_after_the_log_entry_but_before_the_status_completes_the_issue_as_logged()
    {
        var faults = new FaultPlan { Match = n => n == "log.append" };
        await using var h = await EnhanceHarness.CreateAsync(faults: faults);
        var created = await h.EnqueueAsync(Patch);
        faults.Arm(1, after: true);

        var outcomes = await h.DrainAsync([created.Issue.Id]);

        Assert.Equal([DispatchResult.Retrying, DispatchResult.Applied], outcomes.Select(o => o.Result));
        Assert.True(outcomes[1].Recovered);
        Assert.Equal(2, (await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10)).Count);
        Assert.Single(await h.LogEntriesAsync());
    }

    [Fact]
    public async Task Handle_is_idempotent_by_idempotency_key_and_only_enqueues()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var draft = new IssueDraft { BlueprintId = EnhanceHarness.Target, Intent = "x", IdempotencyKey = "event-1" };

        var first = await h.App.HandleAsync(draft);
        var second = await h.App.HandleAsync(draft);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Issue.Id, second.Issue.Id);
        Assert.Equal(IssueState.Pending, (await h.Issues.GetAsync(first.Issue.Id)).Status.State);
        Assert.Empty(await h.LogEntriesAsync());
    }

    public static TheoryData<int, bool> EveryStoreCall()
    {
        var data = new TheoryData<int, bool>();
        for (var n = 1; n <= CallsInACleanRun; n++)
        {
            data.Add(n, false);
            data.Add(n, true);
        }

        return data;
    }

    // The calls to the issue, Blueprint, setting and log stores and to the council repository (the flow runs' records)
    // while three issues drain. Counted by Fault_injection_sweep_covers_every_store_call_of_a_clean_run, which fails
    // if this drifts. Each dispatch asks whether its series is archived (one call per issue), and the dispatch loop
    // sweeps for expired approvals (once per poll interval). The decorated issue store counts RecordRunUnderLeaseAsync
    // (issues.record_run), so the sweep also faults the run id's writes: 94 before, +3 when each run starts and +3 at
    // each finish, where the stores offer no finalizer and the run id is recorded in place of the lease check.
    private const int CallsInACleanRun = 100;

    // The same with the dispatch's runs recorded in memory (the default): the run goes with the outcome, so the council
    // sees one create and the run's appends per dispatch, and no status change (the decorated stores offer no finalizer
    // that takes the run). Like the eager run, each dispatch asks whether its series is archived and the loop sweeps
    // for expired approvals once. 88 before, +3: a buffered run's id is no longer recorded when the run starts (that
    // call read through issues.find, not counted) but at the finish, counted as issues.record_run in place of the lease check.
    private const int CallsInABufferedCleanRun = 91;

    private static readonly string[] SweepPatches =
    [
        """[{"op":"add","path":"/metadata/a","value":1}]""",
        """[{"op":"replace","path":"/metadata/owner","value":"team-a"}]""",
        """[{"op":"add","path":"/metadata/b","value":2}]""",
    ];

    private static async Task<(EnhanceHarness H, List<IssueId> Ids)> SweepSetupAsync(FaultPlan faults, bool eager = true)
    {
        faults.Match = name => name != "issues.find"; // the test's own status reads
        var h = await EnhanceHarness.CreateAsync(options: o => o.RecordRunsEagerly = eager, faults: faults);
        var ids = new List<IssueId>();
        foreach (var patch in SweepPatches)
        {
            ids.Add((await h.EnqueueAsync(patch)).Issue.Id);
        }

        return (h, ids);
    }

    [Fact]
    public async Task Fault_injection_sweep_covers_every_store_call_of_a_clean_run()
    {
        var faults = new FaultPlan();
        var (h, ids) = await SweepSetupAsync(faults);
        await using var _h = h;
        faults.Arm(0);

        await h.DrainAsync(ids);

        Assert.Equal(CallsInACleanRun, faults.Calls);
        var stores = faults.CountedCalls.Keys.Select(n => n[..n.IndexOf('.', StringComparison.Ordinal)]).Distinct().Order();
        Assert.Equal(["blueprints", "council", "issues", "log", "settings"], stores);
        Assert.Contains("council.create", faults.CountedCalls.Keys);
        Assert.Contains("council.append", faults.CountedCalls.Keys);
        Assert.Contains("council.status", faults.CountedCalls.Keys);
        Assert.Equal(6, faults.CountedCalls["issues.record_run"]); // at each run's start, and at each finish
    }

    [Fact]
    public async Task Fault_injection_sweep_with_buffered_run_recording_covers_every_store_call_of_a_clean_run()
    {
        var faults = new FaultPlan();
        var (h, ids) = await SweepSetupAsync(faults, eager: false);
        await using var _h = h;
        faults.Arm(0);

        await h.DrainAsync(ids);

        Assert.Equal(CallsInABufferedCleanRun, faults.Calls);
        Assert.Equal(3, faults.CountedCalls["council.create"]);
        Assert.Equal(3, faults.CountedCalls["issues.record_run"]); // at each finish only
        Assert.Contains("council.append", faults.CountedCalls.Keys);
        Assert.DoesNotContain("council.status", faults.CountedCalls.Keys);
    }

    [Theory]
    [MemberData(nameof(EveryStoreCall))]
    public async Task Fault_at_any_store_call_still_applies_or_rejects_each_issue_exactly_once(int failAt, bool after)
        => await FaultAtAsync(failAt, after, eager: true);

    [Theory]
    [MemberData(nameof(EveryBufferedStoreCall))]
    public async Task Fault_at_any_store_call_with_buffered_run_recording_still_applies_or_rejects_each_issue_exactly_once(int failAt, bool after)
        => await FaultAtAsync(failAt, after, eager: false);

    public static TheoryData<int, bool> EveryBufferedStoreCall()
    {
        var data = new TheoryData<int, bool>();
        for (var n = 1; n <= CallsInABufferedCleanRun; n++)
        {
            data.Add(n, false);
            data.Add(n, true);
        }

        return data;
    }

    private static async Task FaultAtAsync(int failAt, bool after, bool eager)
    {
        var faults = new FaultPlan();
        var (h, ids) = await SweepSetupAsync(faults, eager);
        await using var _h = h;
        faults.Arm(failAt, after);

        await h.DrainAsync(ids);

        Assert.Equal(1, faults.Injected);
        var states = new List<IssueState>();
        foreach (var id in ids)
        {
            states.Add((await h.Issues.GetAsync(id)).Status.State);
        }

        Assert.Equal([IssueState.Applied, IssueState.Rejected, IssueState.Applied], states);
        var log = await h.LogEntriesAsync();
        Assert.Equal(ids.Select(i => i.Value).Order(), log.Select(e => e.IssueId.Value).Order());
        var history = await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 100);
        Assert.Equal(3, history.Count);
        // A fault can delay the first issue behind the third; either order is one chain with each applied issue once.
        Assert.Equal(new[] { ids[0].Value, ids[2].Value }.Order(), history.Take(2).Select(c => c.Metadata.IssueId!.Value.Value).Order());
        for (var i = 0; i < history.Count - 1; i++)
        {
            Assert.Equal([history[i + 1].Version], history[i].Parents);
        }

        foreach (var entry in log.Where(e => e.Outcome == EnhanceOutcome.Applied))
        {
            Assert.Equal(entry.NewVersion, history.Single(c => c.Metadata.IssueId == entry.IssueId).Version);
        }
    }
}
