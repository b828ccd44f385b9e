using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

public abstract partial class IssueStoreConformanceTests
{
    private const string ApprovalSkipReason = "The store does not implement the approval members of IIssueStore (optional; see SupportsApproval).";

    /// <summary>
    /// Whether the adapter implements <see cref="IIssueStore.AwaitApprovalUnderLeaseAsync"/>,
    /// <see cref="IIssueStore.FindApprovalAsync"/>, <see cref="IIssueStore.DecideApprovalAsync"/> and
    /// <see cref="IIssueStore.ListExpiredApprovalsAsync"/> (default interface members; a store written before they existed
    /// cannot hold issues for approval). When <see langword="false"/>, the approval facts are reported as skipped, with
    /// the reason. The default looks at the store's type.
    /// </summary>
    protected virtual bool SupportsApproval
    {
        get
        {
            var map = Store.GetType().GetInterfaceMap(typeof(IIssueStore));
            var own = 0;
            for (var i = 0; i < map.InterfaceMethods.Length; i++)
            {
                if (map.InterfaceMethods[i].Name is nameof(IIssueStore.AwaitApprovalUnderLeaseAsync) or nameof(IIssueStore.FindApprovalAsync)
                        or nameof(IIssueStore.DecideApprovalAsync) or nameof(IIssueStore.ListExpiredApprovalsAsync)
                    && map.TargetMethods[i].DeclaringType != typeof(IIssueStore))
                {
                    own++;
                }
            }

            return own == 4;
        }
    }

#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [SkippableFact]
    public async Task Await_approval_parks_the_issue_without_a_lease_keeps_the_proposal_and_lists_it_by_state()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var id = await CreateAsync();
        var claimed = await Store.ClaimNextAsync("w1", Lease);
        var approval = Proposal(id, expiresIn: TimeSpan.FromHours(1));
        Time.Advance(TimeSpan.FromSeconds(2));

        var parked = await Store.AwaitApprovalUnderLeaseAsync(IssueLease.Of(claimed!), approval);

        var stored = await Store.GetAsync(id);
        foreach (var issue in new[] { parked, stored })
        {
            Assert.Equal(IssueStatus.AwaitingApproval, issue.Status);
            Assert.Null(issue.LeaseOwner);
            Assert.Null(issue.LeaseExpiresAt);
            Assert.Equal(1, issue.Attempts);
            Assert.Equal(StartTime.AddSeconds(2), issue.UpdatedAt);
        }

        AssertSameApproval(approval, await Store.FindApprovalAsync(id));
        var page = await Store.ListAsync(new IssueQuery { State = IssueState.AwaitingApproval });
        Assert.Equal(id, Assert.Single(page.Items).Id);
        Assert.Empty((await Store.ListAsync(new IssueQuery { State = IssueState.Running })).Items);
    }

    [SkippableFact]
    public async Task Waiting_issue_is_never_claimed_whatever_the_time()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var id = await ParkAsync(TimeSpan.FromMinutes(10));

        Time.Advance(TimeSpan.FromDays(30));

        Assert.Null(await Store.ClaimNextAsync("w2", Lease));
        Assert.Null(await Store.ClaimNextBySeriesAsync("w2", Lease));
        Assert.Equal(IssueState.AwaitingApproval, (await Store.GetAsync(id)).Status.State);
    }

    [SkippableFact]
    public async Task Await_approval_under_a_lost_lease_is_a_conflict_and_changes_nothing()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var id = await CreateAsync();
        var first = await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease);
        var second = await Store.ClaimNextAsync("w2", Lease);

        await Assert.ThrowsAsync<ConflictException>(() => Store.AwaitApprovalUnderLeaseAsync(IssueLease.Of(first!), Proposal(id, TimeSpan.FromHours(1))));

        Assert.Equal(second, await Store.GetAsync(id));
        Assert.Null(await Store.FindApprovalAsync(id));
    }

    [SkippableFact]
    public async Task Decide_records_the_decision_and_claims_the_issue_once_with_a_fresh_fencing_token()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var id = await ParkAsync(TimeSpan.FromHours(1));
        Time.Advance(TimeSpan.FromMinutes(3));
        var decision = new IssueApprovalDecision(ApprovalVerdict.Approved, "Zoë Approver", "looks right ✓", Time.GetUtcNow());

        var result = await Store.DecideApprovalAsync(id, decision, "approver-node", Lease);
        var again = await Store.DecideApprovalAsync(id, decision with { DecidedBy = "someone else" }, "approver-node-2", Lease);

        Assert.True(result.Decided);
        Assert.Equal(IssueState.Running, result.Issue.Status.State);
        Assert.Equal("approver-node", result.Issue.LeaseOwner);
        Assert.Equal(Time.GetUtcNow() + Lease, result.Issue.LeaseExpiresAt);
        Assert.Equal(2, result.Issue.Attempts);
        Assert.Equal(result.Issue, await Store.GetAsync(id));
        foreach (var approval in new[] { result.Approval, await Store.FindApprovalAsync(id), again.Approval })
        {
            Assert.NotNull(approval);
            Assert.Equal(ApprovalVerdict.Approved, approval.Verdict);
            Assert.Equal("Zoë Approver", approval.DecidedBy);
            Assert.Equal("looks right ✓", approval.Note);
            Assert.Equal(Time.GetUtcNow(), approval.DecidedAt);
        }

        Assert.False(again.Decided);
        Assert.Equal(result.Issue, again.Issue);

        // The decider's lease completes the issue like any claim.
        var done = await Store.CompleteUnderLeaseAsync(IssueLease.Of(result.Issue), IssueStatus.Rejected("rejected by Zoë"));
        Assert.Equal(IssueState.Rejected, done.Status.State);
    }

    [SkippableFact]
    public async Task Concurrent_decisions_on_one_waiting_issue_record_exactly_one()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var id = await ParkAsync(TimeSpan.FromHours(1));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Store.DecideApprovalAsync(
            id,
            new IssueApprovalDecision(i % 2 == 0 ? ApprovalVerdict.Approved : ApprovalVerdict.Rejected, $"approver-{i}", null, Time.GetUtcNow()),
            $"node-{i}",
            Lease))));

        var winner = Assert.Single(results, r => r.Decided);
        var stored = await Store.FindApprovalAsync(id);
        Assert.Equal(winner.Approval!.DecidedBy, stored!.DecidedBy);
        Assert.Equal(winner.Issue.LeaseOwner, (await Store.GetAsync(id)).LeaseOwner);
        Assert.Equal(2, (await Store.GetAsync(id)).Attempts);
    }

    [SkippableFact]
    public async Task Decide_on_an_issue_that_never_waited_changes_nothing_and_an_unknown_issue_is_not_found()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var pending = await CreateAsync();
        var before = await Store.GetAsync(pending);
        var decision = new IssueApprovalDecision(ApprovalVerdict.Approved, "a", null, Time.GetUtcNow());

        var result = await Store.DecideApprovalAsync(pending, decision, "n", Lease);

        Assert.False(result.Decided);
        Assert.Null(result.Approval);
        Assert.Equal(before, result.Issue);
        Assert.Equal(before, await Store.GetAsync(pending));
        await Assert.ThrowsAsync<NotFoundException>(() => Store.DecideApprovalAsync(IssueId.Parse("issue:missing"), decision, "n", Lease));
        Assert.Null(await Store.FindApprovalAsync(IssueId.Parse("issue:missing")));
    }

    [SkippableFact]
    public async Task Expired_approvals_are_listed_earliest_expiry_first_up_to_the_limit_and_decided_ones_are_not()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var late = await ParkAsync(TimeSpan.FromMinutes(30));
        var early = await ParkAsync(TimeSpan.FromMinutes(10));
        var middle = await ParkAsync(TimeSpan.FromMinutes(20));
        var decided = await ParkAsync(TimeSpan.FromMinutes(5));
        var notYet = await ParkAsync(TimeSpan.FromHours(2));
        await Store.DecideApprovalAsync(decided, new IssueApprovalDecision(ApprovalVerdict.Rejected, "a", null, Time.GetUtcNow()), "n", Lease);

        Assert.Empty(await Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 10));
        Time.Advance(TimeSpan.FromMinutes(30));

        var all = await Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 10);
        var two = await Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 2);

        Assert.Equal([early, middle, late], all.Select(a => a.IssueId));
        Assert.Equal([early, middle], two.Select(a => a.IssueId));
        Assert.DoesNotContain(notYet, all.Select(a => a.IssueId));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 0));
    }

    [SkippableFact]
    public async Task Approval_of_an_earlier_round_is_not_the_approval_of_a_requeued_issue()
    {
        Skip.IfNot(SupportsApproval && SupportsRequeue, ApprovalSkipReason + " " + RequeueSkipReason);
        var id = await ParkAsync(TimeSpan.FromHours(1));
        var decided = await Store.DecideApprovalAsync(id, new IssueApprovalDecision(ApprovalVerdict.Rejected, "a", "no", Time.GetUtcNow()), "n", Lease);
        await Store.CompleteUnderLeaseAsync(IssueLease.Of(decided.Issue), IssueStatus.Rejected("rejected by a: no"));

        await Store.RequeueAsync(id, "op");

        Assert.Null(await Store.FindApprovalAsync(id));
        var claimed = await Store.ClaimNextAsync("w1", Lease);
        var second = Proposal(id, TimeSpan.FromHours(1)) with { Round = 1 };
        await Store.AwaitApprovalUnderLeaseAsync(IssueLease.Of(claimed!), second);
        var found = await Store.FindApprovalAsync(id);
        Assert.NotNull(found);
        Assert.Equal(1, found.Round);
        Assert.False(found.IsDecided);
    }

#pragma warning restore CS1591

    /// <summary>Creates an issue, claims it and parks it for approval; it expires <paramref name="expiresIn"/> from now.</summary>
    private async Task<IssueId> ParkAsync(TimeSpan expiresIn)
    {
        var id = await CreateAsync();
        var claimed = await Store.ClaimNextAsync("w1", Lease);
        Assert.Equal(id, claimed!.Id);
        await Store.AwaitApprovalUnderLeaseAsync(IssueLease.Of(claimed), Proposal(id, expiresIn));
        return id;
    }

    private IssueApproval Proposal(IssueId id, TimeSpan expiresIn) => new()
    {
        IssueId = id,
        RunId = CouncilRunId.Parse("run-approval-1"),
        PreviousVersion = BlueprintVersion.Parse(new string('b', 64)),
        Proposed = Blueprint.Parse("""{"id":"orders","metadata":{"version_label":"1.0.1","note":"ünïcode ✓ 🚀"},"limits":{"max":10}}"""),
        PatchHash = new string('c', 64),
        Rationale = "Raise the limit — ✓",
        Verdicts = [new VerdictSummary("des", VerdictStatus.Pass, "well-formed"), new VerdictSummary("noop", VerdictStatus.Pass, "changed 1 member")],
        EpochStartedAt = Time.GetUtcNow().AddSeconds(-1),
        RequestedAt = Time.GetUtcNow(),
        ExpiresAt = Time.GetUtcNow() + expiresIn,
    };

    private static void AssertSameApproval(IssueApproval expected, IssueApproval? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.IssueId, actual.IssueId);
        Assert.Equal(0, actual.Round);
        Assert.Equal(expected.RunId, actual.RunId);
        Assert.Equal(expected.PreviousVersion, actual.PreviousVersion);
        Assert.Equal(expected.Proposed.Version, actual.Proposed.Version);
        Assert.Equal(expected.PatchHash, actual.PatchHash);
        Assert.Equal(expected.Rationale, actual.Rationale);
        Assert.Equal(expected.Verdicts, actual.Verdicts);
        Assert.Equal(expected.EpochStartedAt, actual.EpochStartedAt);
        Assert.Equal(expected.RequestedAt, actual.RequestedAt);
        Assert.Equal(expected.ExpiresAt, actual.ExpiresAt);
        Assert.Null(actual.Verdict);
        Assert.Null(actual.DecidedBy);
        Assert.Null(actual.Note);
        Assert.Null(actual.DecidedAt);
    }
}
