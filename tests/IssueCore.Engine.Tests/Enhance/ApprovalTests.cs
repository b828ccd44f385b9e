using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class ApprovalTests
{
    private const string Patch = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    [Fact]
    public async Task Setting_that_requires_approval_parks_the_issue_without_a_lease_and_keeps_the_run_awaiting_approval()
    {
        await using var h = await CreateAsync();
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.AwaitingApproval, outcome!.Result);
        var issue = await h.Issues.GetAsync(id);
        Assert.Equal(IssueStatus.AwaitingApproval, issue.Status);
        Assert.Null(issue.LeaseOwner);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
        Assert.Empty(await h.LogEntriesAsync());
        var approval = await h.Issues.FindApprovalAsync(id);
        Assert.NotNull(approval);
        Assert.Equal(outcome.NewVersion, approval.Proposed.Version);
        Assert.Equal(EnhanceHarness.TargetV1.Version, approval.PreviousVersion);
        Assert.Equal(EnhanceSetting.BuiltInAxes, approval.Verdicts.Select(v => v.Axis));
        Assert.Equal(h.Time.GetUtcNow() + h.Options.ApprovalTimeout, approval.ExpiresAt);
        Assert.Equal(CouncilRunStatus.AwaitingApproval, (await RunAsync(h, approval)).Status);
        Assert.Null(await h.App.TickAsync());
    }

    [Fact]
    public async Task Approve_commits_the_proposed_version_once_with_the_approver_and_note_in_the_log()
    {
        await using var h = await CreateAsync();
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        var parked = await h.App.TickAsync();
        var approval = (await h.Issues.FindApprovalAsync(id))!;

        var outcome = await h.App.ApproveAsync(id, "Zoë", "checked with finance ✓");

        Assert.Equal(DispatchResult.Applied, outcome.Result);
        Assert.Equal(parked!.NewVersion, outcome.NewVersion);
        Assert.Equal(IssueStatus.Applied(parked.NewVersion!.Value), (await h.Issues.GetAsync(id)).Status);
        Assert.Equal(parked.NewVersion, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Applied, entry.Outcome);
        Assert.Equal("Zoë", entry.Approver);
        Assert.Equal("checked with finance ✓", entry.ApprovalNote);
        Assert.Equal(approval.Verdicts, entry.Verdicts);
        Assert.Equal(CouncilRunStatus.Completed, (await RunAsync(h, approval)).Status);
        await Assert.ThrowsAsync<ConflictException>(() => h.App.ApproveAsync(id, "Zoë", null));
        Assert.Equal(2, (await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10)).Count);
    }

    [Fact]
    public async Task Reject_ends_the_issue_rejected_with_the_approver_and_note_and_commits_nothing()
    {
        await using var h = await CreateAsync();
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        await h.App.TickAsync();
        var approval = (await h.Issues.FindApprovalAsync(id))!;

        var outcome = await h.App.RejectAsync(id, "bob", "not this quarter");

        Assert.Equal(DispatchResult.Rejected, outcome.Result);
        Assert.Equal(IssueStatus.Rejected("rejected by bob: not this quarter"), (await h.Issues.GetAsync(id)).Status);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal((EnhanceOutcome.Rejected, "bob", "not this quarter"), (entry.Outcome, entry.Approver, entry.ApprovalNote));
        Assert.Equal(CouncilRunStatus.Cancelled, (await RunAsync(h, approval)).Status);
    }

    [Fact]
    public async Task Two_approvers_at_once_one_wins_and_the_other_gets_a_conflict()
    {
        await using var h = await CreateAsync();
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        await h.App.TickAsync();
        var second = h.NewDispatcher("dispatcher-2");
        using var start = new ManualResetEventSlim();

        var racers = new[] { (App: h.App, Who: "alice"), (App: second, Who: "bob") }.Select(r => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                return (Outcome: (DispatchOutcome?)await r.App.ApproveAsync(id, r.Who, null), Error: (Exception?)null);
            }
            catch (ConflictException ex)
            {
                return (Outcome: null, Error: ex);
            }
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(racers);

        Assert.Equal(DispatchResult.Applied, Assert.Single(results, r => r.Outcome is not null).Outcome!.Result);
        Assert.IsType<ConflictException>(Assert.Single(results, r => r.Error is not null).Error);
        Assert.Equal(2, (await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10)).Count);
        Assert.Single(await h.LogEntriesAsync());
    }

    [Fact]
    public async Task Approving_an_unknown_issue_is_not_found_and_one_that_does_not_wait_is_a_typed_error()
    {
        await using var h = await CreateAsync();
        var pending = (await h.EnqueueAsync(Patch)).Issue.Id;

        await Assert.ThrowsAsync<NotFoundException>(() => h.App.ApproveAsync(IssueId.Parse("issue:none"), "alice", null));
        var error = await Assert.ThrowsAsync<ApprovalNotPendingException>(() => h.App.RejectAsync(pending, "alice", null));

        Assert.Equal(IssueState.Pending, error.State);
        Assert.Equal(IssueState.Pending, (await h.Issues.GetAsync(pending)).Status.State);
        await Assert.ThrowsAsync<ArgumentException>(() => h.App.ApproveAsync(pending, " ", null));
    }

    [Fact]
    public async Task Approval_after_the_head_moved_commits_nothing_and_rejects_with_the_reason()
    {
        await using var h = await CreateAsync();
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        await h.App.TickAsync();
        var moved = Blueprint.Parse("""{"id":"orders","metadata":{"version_label":"1.0.1","owner":"team-c"},"agents":[],"flow":{"kind":"seq","children":[]}}""");
        await h.Blueprints.WriteNewAsync(EnhanceHarness.Target, moved, [EnhanceHarness.TargetV1.Version], new CommitMetadata("elsewhere"));

        var outcome = await h.App.ApproveAsync(id, "alice", "fine");

        Assert.Equal(DispatchResult.Rejected, outcome.Result);
        Assert.StartsWith("head moved while awaiting approval", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(moved.Version, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal("alice", entry.Approver);
        Assert.Equal(IssueState.Rejected, (await h.Issues.GetAsync(id)).Status.State);
    }

    [Fact]
    public async Task Approval_not_decided_in_time_is_rejected_as_expired_by_the_dispatch_loop()
    {
        await using var h = await CreateAsync(o => o.ApprovalTimeout = TimeSpan.FromHours(1));
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        await h.App.TickAsync();
        Assert.Null(await h.App.TickAsync());
        Assert.Equal(IssueState.AwaitingApproval, (await h.Issues.GetAsync(id)).Status.State);

        h.Time.Advance(TimeSpan.FromHours(1));
        await h.App.TickAsync();

        Assert.Equal(IssueStatus.Rejected(EnhanceApplication.ApprovalExpiredReason), (await h.Issues.GetAsync(id)).Status);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Null(entry.Approver);
        Assert.Equal([EnhanceApplication.ApprovalExpiredReason], entry.Reasons);
        await Assert.ThrowsAsync<ConflictException>(() => h.App.ApproveAsync(id, "late", null));
    }

    [Fact]
    public async Task Expiry_sweep_ends_at_most_the_configured_batch_per_call()
    {
        await using var h = await CreateAsync(o =>
        {
            o.ApprovalTimeout = TimeSpan.FromMinutes(5);
            o.ApprovalExpiryBatch = 2;
        });
        var ids = new List<IssueId>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await h.EnqueueAsync($$"""[{"op":"replace","path":"/metadata/owner","value":"team-{{i + 10}}"}]""", target: EnhanceHarness.Target)).Issue.Id);
            await h.App.TickAsync();
        }

        h.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(2, (await h.App.ExpireApprovalsAsync()).Count);
        Assert.Equal(2, (await h.App.ExpireApprovalsAsync()).Count);
        Assert.Single(await h.App.ExpireApprovalsAsync());
        Assert.Empty(await h.App.ExpireApprovalsAsync());
        Assert.True(await h.AllTerminalAsync(ids));
    }

    [Fact]
    public async Task Decision_recorded_by_a_dispatcher_that_died_is_finished_by_the_next_without_running_the_flow_again()
    {
        await using var h = await CreateAsync();
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        var parked = await h.App.TickAsync();
        var runsBefore = await CountRunsAsync(h);

        // The approving process recorded the decision, took the lease, and died before committing.
        var decided = await h.Issues.DecideApprovalAsync(id, new IssueApprovalDecision(ApprovalVerdict.Approved, "alice", "go", h.Time.GetUtcNow()), "dead-process", h.Options.LeaseDuration);
        Assert.True(decided.Decided);
        h.Time.Advance(h.Options.LeaseDuration);

        var outcomes = await h.DrainAsync([id]);

        Assert.Equal(DispatchResult.Applied, Assert.Single(outcomes).Result);
        Assert.Equal(parked!.NewVersion, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        Assert.Equal(runsBefore, await CountRunsAsync(h));
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(("alice", "go"), (entry.Approver, entry.ApprovalNote));
    }

    [Fact]
    public async Task Waiting_issue_leaves_the_queue_idle()
    {
        await using var h = await CreateAsync();
        await h.EnqueueAsync(Patch);
        await h.App.TickAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        await h.App.WaitUntilIdleAsync(cts.Token);

        Assert.Single((await h.Issues.ListAsync(new IssueQuery { State = IssueState.AwaitingApproval })).Items);
    }

    private static async Task<EnhanceHarness> CreateAsync(Action<EnhanceApplicationOptions>? options = null)
    {
        var h = await EnhanceHarness.CreateAsync(options: options);
        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { RequireApproval = true });
        return h;
    }

    private static async Task<CouncilRun> RunAsync(EnhanceHarness h, IssueApproval approval)
        => (await h.Provider.GetRequiredService<ICouncilRepository>().GetRunAsync(approval.RunId!.Value))!;

    private static async Task<int> CountRunsAsync(EnhanceHarness h)
    {
        var count = 0;
        await foreach (var run in h.Provider.GetRequiredService<ICouncilRepository>().ListRunsAsync())
        {
            count++;
        }

        return count;
    }
}
