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
            Contract.Equal(IssueStatus.AwaitingApproval, issue.Status, "AwaitApprovalUnderLease makes the issue AwaitingApproval and clears its lease, and returns the issue as stored (checked: issue.Status)");
            Contract.Null(issue.LeaseOwner, "AwaitApprovalUnderLease makes the issue AwaitingApproval and clears its lease, and returns the issue as stored (checked: issue.LeaseOwner)");
            Contract.Null(issue.LeaseExpiresAt, "AwaitApprovalUnderLease makes the issue AwaitingApproval and clears its lease, and returns the issue as stored (checked: issue.LeaseExpiresAt)");
            Contract.Equal(1, issue.Attempts, "AwaitApprovalUnderLease makes the issue AwaitingApproval and clears its lease, and returns the issue as stored (checked: issue.Attempts)");
            Contract.Equal(StartTime.AddSeconds(2), issue.UpdatedAt, "AwaitApprovalUnderLease makes the issue AwaitingApproval and clears its lease, and returns the issue as stored (checked: issue.UpdatedAt)");
        }

        AssertSameApproval(approval, await Store.FindApprovalAsync(id));
        var page = await Store.ListAsync(new IssueQuery { State = IssueState.AwaitingApproval });
        Contract.Equal(id, Contract.Single(page.Items, "a waiting issue is listed by the AwaitingApproval state (checked: page.Items)").Id, "a waiting issue is listed by the AwaitingApproval state (checked: the single one's Id)");
        Contract.Empty((await Store.ListAsync(new IssueQuery { State = IssueState.Running })).Items, "a waiting issue is not listed as Running (checked: (await Store.ListAsync(new IssueQuery { State = IssueState.Running })).Items)");
    }

    [SkippableFact]
    public async Task Waiting_issue_is_never_claimed_whatever_the_time()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var id = await ParkAsync(TimeSpan.FromMinutes(10));

        Time.Advance(TimeSpan.FromDays(30));

        Contract.Null(await Store.ClaimNextAsync("w2", Lease), "a waiting issue holds no dispatcher and is never claimed, whatever the time (checked: await Store.ClaimNextAsync(\"w2\", Lease))");
        Contract.Null(await Store.ClaimNextBySeriesAsync("w2", Lease), "a waiting issue holds no dispatcher and is never claimed, whatever the time (checked: await Store.ClaimNextBySeriesAsync(\"w2\", Lease))");
        Contract.Equal(IssueState.AwaitingApproval, (await Store.GetAsync(id)).Status.State, "a waiting issue holds no dispatcher and is never claimed, whatever the time (checked: (await Store.GetAsync(id)).Status.State)");
    }

    [SkippableFact]
    public async Task Await_approval_under_a_lost_lease_is_a_conflict_and_changes_nothing()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var id = await CreateAsync();
        var first = await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease);
        var second = await Store.ClaimNextAsync("w2", Lease);

        await Contract.ThrowsAsync<ConflictException>(() => Store.AwaitApprovalUnderLeaseAsync(IssueLease.Of(first!), Proposal(id, TimeSpan.FromHours(1))), "AwaitApprovalUnderLease under a lost lease throws ConflictException");

        Contract.Equal(second, await Store.GetAsync(id), "AwaitApprovalUnderLease under a lost lease changes nothing (checked: await Store.GetAsync(id))");
        Contract.Null(await Store.FindApprovalAsync(id), "AwaitApprovalUnderLease under a lost lease changes nothing (checked: await Store.FindApprovalAsync(id))");
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

        Contract.True(result.Decided, "DecideApproval makes the waiting issue Running under a lease for the owner with Attempts incremented (a fresh fencing token), and returns the issue as stored (checked: result.Decided)");
        Contract.Equal(IssueState.Running, result.Issue.Status.State, "DecideApproval makes the waiting issue Running under a lease for the owner with Attempts incremented (a fresh fencing token), and returns the issue as stored (checked: result.Issue.Status.State)");
        Contract.Equal("approver-node", result.Issue.LeaseOwner, "DecideApproval makes the waiting issue Running under a lease for the owner with Attempts incremented (a fresh fencing token), and returns the issue as stored (checked: result.Issue.LeaseOwner)");
        Contract.Equal(Time.GetUtcNow() + Lease, result.Issue.LeaseExpiresAt, "DecideApproval makes the waiting issue Running under a lease for the owner with Attempts incremented (a fresh fencing token), and returns the issue as stored (checked: result.Issue.LeaseExpiresAt)");
        Contract.Equal(2, result.Issue.Attempts, "DecideApproval makes the waiting issue Running under a lease for the owner with Attempts incremented (a fresh fencing token), and returns the issue as stored (checked: result.Issue.Attempts)");
        Contract.Equal(result.Issue, await Store.GetAsync(id), "DecideApproval makes the waiting issue Running under a lease for the owner with Attempts incremented (a fresh fencing token), and returns the issue as stored (checked: await Store.GetAsync(id))");
        foreach (var approval in new[] { result.Approval, await Store.FindApprovalAsync(id), again.Approval })
        {
            Contract.NotNull(approval, "DecideApproval gives the approval the decision; the result and FindApproval return it (checked: approval)");
            Contract.Equal(ApprovalVerdict.Approved, approval.Verdict, "DecideApproval gives the approval the decision; the result and FindApproval return it (checked: approval.Verdict)");
            Contract.Equal("Zoë Approver", approval.DecidedBy, "DecideApproval gives the approval the decision; the result and FindApproval return it (checked: approval.DecidedBy)");
            Contract.Equal("looks right ✓", approval.Note, "DecideApproval gives the approval the decision; the result and FindApproval return it (checked: approval.Note)");
            Contract.Equal(Time.GetUtcNow(), approval.DecidedAt, "DecideApproval gives the approval the decision; the result and FindApproval return it (checked: approval.DecidedAt)");
        }

        Contract.False(again.Decided, "DecideApproval is exactly once: a second decision gets Decided false and the issue unchanged (checked: again.Decided)");
        Contract.Equal(result.Issue, again.Issue, "DecideApproval is exactly once: a second decision gets Decided false and the issue unchanged (checked: again.Issue)");

        // The decider's lease completes the issue like any claim.
        var done = await Store.CompleteUnderLeaseAsync(IssueLease.Of(result.Issue), IssueStatus.Rejected("rejected by Zoë"));
        Contract.Equal(IssueState.Rejected, done.Status.State, "the decider's lease completes the issue like any claim (checked: done.Status.State)");
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

        var winner = Contract.Single(results, r => r.Decided, "of concurrent decisions on one waiting issue exactly one records (checked: results)");
        var stored = await Store.FindApprovalAsync(id);
        Contract.Equal(winner.Approval!.DecidedBy, stored!.DecidedBy, "of concurrent decisions on one waiting issue exactly one records, and only its decider claims the issue (checked: stored!.DecidedBy)");
        Contract.Equal(winner.Issue.LeaseOwner, (await Store.GetAsync(id)).LeaseOwner, "of concurrent decisions on one waiting issue exactly one records, and only its decider claims the issue (checked: (await Store.GetAsync(id)).LeaseOwner)");
        Contract.Equal(2, (await Store.GetAsync(id)).Attempts, "of concurrent decisions on one waiting issue exactly one records, and only its decider claims the issue (checked: (await Store.GetAsync(id)).Attempts)");
    }

    [SkippableFact]
    public async Task Decide_on_an_issue_that_never_waited_changes_nothing_and_an_unknown_issue_is_not_found()
    {
        Skip.IfNot(SupportsApproval, ApprovalSkipReason);
        var pending = await CreateAsync();
        var before = await Store.GetAsync(pending);
        var decision = new IssueApprovalDecision(ApprovalVerdict.Approved, "a", null, Time.GetUtcNow());

        var result = await Store.DecideApprovalAsync(pending, decision, "n", Lease);

        Contract.False(result.Decided, "DecideApproval on an issue in any other state than AwaitingApproval returns it unchanged with Decided false (checked: result.Decided)");
        Contract.Null(result.Approval, "DecideApproval on an issue in any other state than AwaitingApproval returns it unchanged with Decided false (checked: result.Approval)");
        Contract.Equal(before, result.Issue, "DecideApproval on an issue in any other state than AwaitingApproval returns it unchanged with Decided false (checked: result.Issue)");
        Contract.Equal(before, await Store.GetAsync(pending), "DecideApproval on an issue in any other state than AwaitingApproval returns it unchanged with Decided false (checked: await Store.GetAsync(pending))");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.DecideApprovalAsync(IssueId.Parse("issue:missing"), decision, "n", Lease), "DecideApproval of an unknown issue throws NotFoundException");
        Contract.Null(await Store.FindApprovalAsync(IssueId.Parse("issue:missing")), "FindApproval returns null when the issue has no approval (checked: await Store.FindApprovalAsync(IssueId.Parse(\"issue:missing\")))");
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

        Contract.Empty(await Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 10), "ListExpiredApprovals returns only approvals whose ExpiresAt is at or before now (checked: await Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 10))");
        Time.Advance(TimeSpan.FromMinutes(30));

        var all = await Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 10);
        var two = await Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 2);

        Contract.Equal([early, middle, late], all.Select(a => a.IssueId), "ListExpiredApprovals returns up to limit approvals still waiting whose ExpiresAt is at or before now, earliest expiry first (checked: all.Select(a => a.IssueId))");
        Contract.Equal([early, middle], two.Select(a => a.IssueId), "ListExpiredApprovals returns up to limit approvals still waiting whose ExpiresAt is at or before now, earliest expiry first (checked: two.Select(a => a.IssueId))");
        Contract.DoesNotContain(notYet, all.Select(a => a.IssueId), "ListExpiredApprovals returns up to limit approvals still waiting whose ExpiresAt is at or before now, earliest expiry first (checked: all.Select(a => a.IssueId))");
        await Contract.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ListExpiredApprovalsAsync(Time.GetUtcNow(), 0), "ListExpiredApprovals throws ArgumentOutOfRangeException when the limit is outside 1 to 1000");
    }

    [SkippableFact]
    public async Task Approval_of_an_earlier_round_is_not_the_approval_of_a_requeued_issue()
    {
        Skip.IfNot(SupportsApproval && SupportsRequeue, ApprovalSkipReason + " " + RequeueSkipReason);
        var id = await ParkAsync(TimeSpan.FromHours(1));
        var decided = await Store.DecideApprovalAsync(id, new IssueApprovalDecision(ApprovalVerdict.Rejected, "a", "no", Time.GetUtcNow()), "n", Lease);
        await Store.CompleteUnderLeaseAsync(IssueLease.Of(decided.Issue), IssueStatus.Rejected("rejected by a: no"));

        await Store.RequeueAsync(id, "op");

        Contract.Null(await Store.FindApprovalAsync(id), "FindApproval returns the approval of the issue's current round, so none after a requeue (checked: await Store.FindApprovalAsync(id))");
        var claimed = await Store.ClaimNextAsync("w1", Lease);
        var second = Proposal(id, TimeSpan.FromHours(1)) with { Round = 1 };
        await Store.AwaitApprovalUnderLeaseAsync(IssueLease.Of(claimed!), second);
        var found = await Store.FindApprovalAsync(id);
        Contract.NotNull(found, "FindApproval returns the approval of the issue's current round (waiting or decided) (checked: found)");
        Contract.Equal(1, found.Round, "FindApproval returns the approval of the issue's current round (waiting or decided) (checked: found.Round)");
        Contract.False(found.IsDecided, "FindApproval returns the approval of the issue's current round (waiting or decided) (checked: found.IsDecided)");
    }

#pragma warning restore CS1591

    /// <summary>Creates an issue, claims it and parks it for approval; it expires <paramref name="expiresIn"/> from now.</summary>
    private async Task<IssueId> ParkAsync(TimeSpan expiresIn)
    {
        var id = await CreateAsync();
        var claimed = await Store.ClaimNextAsync("w1", Lease);
        Contract.Equal(id, claimed!.Id, "ClaimNext claims the pending issue (checked: claimed!.Id)");
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
        Contract.NotNull(actual, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual)");
        Contract.Equal(expected.IssueId, actual.IssueId, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.IssueId)");
        Contract.Equal(0, actual.Round, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.Round)");
        Contract.Equal(expected.RunId, actual.RunId, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.RunId)");
        Contract.Equal(expected.PreviousVersion, actual.PreviousVersion, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.PreviousVersion)");
        Contract.Equal(expected.Proposed.Version, actual.Proposed.Version, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.Proposed.Version)");
        Contract.Equal(expected.PatchHash, actual.PatchHash, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.PatchHash)");
        Contract.Equal(expected.Rationale, actual.Rationale, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.Rationale)");
        Contract.Equal(expected.Verdicts, actual.Verdicts, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.Verdicts)");
        Contract.Equal(expected.EpochStartedAt, actual.EpochStartedAt, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.EpochStartedAt)");
        Contract.Equal(expected.RequestedAt, actual.RequestedAt, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.RequestedAt)");
        Contract.Equal(expected.ExpiresAt, actual.ExpiresAt, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.ExpiresAt)");
        Contract.Null(actual.Verdict, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.Verdict)");
        Contract.Null(actual.DecidedBy, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.DecidedBy)");
        Contract.Null(actual.Note, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.Note)");
        Contract.Null(actual.DecidedAt, "AwaitApprovalUnderLease stores the approval as the approval of the issue's current round, every field kept, undecided (checked: actual.DecidedAt)");
    }
}
