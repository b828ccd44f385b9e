using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

public abstract partial class IssueStoreConformanceTests
{
    private const string RequeueSkipReason = "The store does not implement RequeueAsync and ListRequeuesAsync (optional; see SupportsRequeue).";

    /// <summary>
    /// Whether the adapter implements <see cref="IIssueStore.RequeueAsync"/> and <see cref="IIssueStore.ListRequeuesAsync"/>
    /// (default interface members; a store written before they existed cannot requeue). When <see langword="false"/>, the
    /// requeue facts are reported as skipped, with the reason. The default looks at the store's type.
    /// </summary>
    protected virtual bool SupportsRequeue
    {
        get
        {
            var map = Store.GetType().GetInterfaceMap(typeof(IIssueStore));
            var own = 0;
            for (var i = 0; i < map.InterfaceMethods.Length; i++)
            {
                if (map.InterfaceMethods[i].Name is nameof(IIssueStore.RequeueAsync) or nameof(IIssueStore.ListRequeuesAsync)
                    && map.TargetMethods[i].DeclaringType != typeof(IIssueStore))
                {
                    own++;
                }
            }

            return own == 2;
        }
    }

#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [SkippableFact]
    public async Task Requeue_of_a_dead_letter_returns_it_to_the_queue_with_a_fresh_budget_and_records_it()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await DeadLetterAsync(IssueStatus.Failed("retry budget spent ✗"), claims: 3);
        Time.Advance(TimeSpan.FromMinutes(5));

        var result = await Store.RequeueAsync(id, "operator ü");

        Contract.True(result.Requeued, "Requeue of a dead letter moves it (Requeued true) (checked: result.Requeued)");
        var issue = await Store.GetAsync(id);
        foreach (var i in new[] { result.Issue, issue })
        {
            Contract.Equal(IssueStatus.Pending, i.Status, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.Status)");
            Contract.Equal(1, i.Round, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.Round)");
            Contract.Equal(3, i.Attempts, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.Attempts)");
            Contract.Equal(3, i.RoundStartAttempts, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.RoundStartAttempts)");
            Contract.Equal(0, i.RoundAttempts, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.RoundAttempts)");
            Contract.Null(i.LeaseOwner, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.LeaseOwner)");
            Contract.Null(i.LeaseExpiresAt, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.LeaseExpiresAt)");
            Contract.Null(i.NotBefore, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.NotBefore)");
            Contract.Null(i.LastError, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.LastError)");
            Contract.Equal(StartTime.AddMinutes(5), i.UpdatedAt, "Requeue makes a dead letter Pending, claimable at once, with Round up by one, RoundStartAttempts set to Attempts (which keeps counting), and its reason, last error and lease cleared; it returns the issue as stored (checked: i.UpdatedAt)");
        }

        var history = await Store.ListRequeuesAsync(id);
        var requeue = Contract.Single(history, "Requeue adds an IssueRequeue to the issue's history in the same transaction (checked: history)");
        Contract.Equal(id, requeue.IssueId, "Requeue adds an IssueRequeue to the issue's history in the same transaction (checked: requeue.IssueId)");
        Contract.Equal(1, requeue.Round, "Requeue adds an IssueRequeue to the issue's history in the same transaction (checked: requeue.Round)");
        Contract.Equal("operator ü", requeue.RequestedBy, "Requeue adds an IssueRequeue to the issue's history in the same transaction (checked: requeue.RequestedBy)");
        Contract.Equal(StartTime.AddMinutes(5), requeue.RequeuedAt, "Requeue adds an IssueRequeue to the issue's history in the same transaction (checked: requeue.RequeuedAt)");
        Contract.Equal(IssueStatus.Failed("retry budget spent ✗"), requeue.PreviousStatus, "Requeue adds an IssueRequeue to the issue's history in the same transaction (checked: requeue.PreviousStatus)");
        Contract.Equal(3, requeue.PreviousAttempts, "Requeue adds an IssueRequeue to the issue's history in the same transaction (checked: requeue.PreviousAttempts)");
    }

    [SkippableFact]
    public async Task Requeue_of_a_rejected_issue_returns_it_to_the_queue()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await DeadLetterAsync(IssueStatus.Rejected("des: denied"), claims: 1);

        var result = await Store.RequeueAsync(id, "op");

        Contract.True(result.Requeued, "Requeue sends a Rejected issue back to the queue and records its previous status (checked: result.Requeued)");
        Contract.Equal(IssueStatus.Pending, (await Store.GetAsync(id)).Status, "Requeue sends a Rejected issue back to the queue and records its previous status (checked: (await Store.GetAsync(id)).Status)");
        Contract.Equal(IssueStatus.Rejected("des: denied"), Contract.Single(await Store.ListRequeuesAsync(id), "Requeue sends a Rejected issue back to the queue and records its previous status (checked: await Store.ListRequeuesAsync(id))").PreviousStatus, "Requeue sends a Rejected issue back to the queue and records its previous status (checked: the single one's PreviousStatus)");
    }

    [SkippableFact]
    public async Task Requeued_issue_is_claimed_again_and_attempts_keep_counting_so_an_old_lease_stays_fenced_off()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await CreateAsync();
        var first = await Store.ClaimNextAsync("w1", Lease);
        var oldLease = IssueLease.Of(first!);
        await Store.CompleteUnderLeaseAsync(oldLease, IssueStatus.Failed("dead"));
        await Store.RequeueAsync(id, "op");

        var again = await Store.ClaimNextAsync("w1", Lease);

        Contract.NotNull(again, "a requeued issue is claimed again and Attempts keep counting, so a lease's fencing token is never reused (checked: again)");
        Contract.Equal(id, again.Id, "a requeued issue is claimed again and Attempts keep counting, so a lease's fencing token is never reused (checked: again.Id)");
        Contract.Equal(2, again.Attempts, "a requeued issue is claimed again and Attempts keep counting, so a lease's fencing token is never reused (checked: again.Attempts)");
        Contract.Equal(1, again.RoundAttempts, "a requeued issue is claimed again and Attempts keep counting, so a lease's fencing token is never reused (checked: again.RoundAttempts)");
        await Contract.ThrowsAsync<ConflictException>(() => Store.CompleteUnderLeaseAsync(oldLease, IssueStatus.Rejected("stale")), "a lease from before a requeue is fenced off: completing under it throws ConflictException");
        Contract.Equal(IssueState.Running, (await Store.GetAsync(id)).Status.State, "a lease from before a requeue changes nothing (checked: (await Store.GetAsync(id)).Status.State)");
    }

    [SkippableFact]
    public async Task Requeue_of_a_pending_running_or_applied_issue_changes_nothing()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var applied = await DeadLetterAsync(IssueStatus.Applied(Blueprints.BlueprintVersion.Parse(new string('a', 64))), claims: 1);
        var running = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        var pending = await CreateAsync();

        foreach (var id in new[] { applied, running, pending })
        {
            var before = await Store.GetAsync(id);
            var result = await Store.RequeueAsync(id, "op");

            Contract.False(result.Requeued, "Requeue of an issue in any other state than Failed or Rejected returns it unchanged with Requeued false and records nothing (checked: result.Requeued)");
            Contract.Equal(before, result.Issue, "Requeue of an issue in any other state than Failed or Rejected returns it unchanged with Requeued false and records nothing (checked: result.Issue)");
            Contract.Equal(before, await Store.GetAsync(id), "Requeue of an issue in any other state than Failed or Rejected returns it unchanged with Requeued false and records nothing (checked: await Store.GetAsync(id))");
            Contract.Empty(await Store.ListRequeuesAsync(id), "Requeue of an issue in any other state than Failed or Rejected returns it unchanged with Requeued false and records nothing (checked: await Store.ListRequeuesAsync(id))");
        }
    }

    [SkippableFact]
    public async Task Requeue_repeated_is_idempotent_and_records_one_round()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await DeadLetterAsync(IssueStatus.Failed("dead"), claims: 1);

        var first = await Store.RequeueAsync(id, "op-1");
        var second = await Store.RequeueAsync(id, "op-2");

        Contract.True(first.Requeued, "Requeue is idempotent: a second requeue returns the issue unchanged with Requeued false and one round is recorded (checked: first.Requeued)");
        Contract.False(second.Requeued, "Requeue is idempotent: a second requeue returns the issue unchanged with Requeued false and one round is recorded (checked: second.Requeued)");
        Contract.Equal(first.Issue, second.Issue, "Requeue is idempotent: a second requeue returns the issue unchanged with Requeued false and one round is recorded (checked: second.Issue)");
        Contract.Equal("op-1", Contract.Single(await Store.ListRequeuesAsync(id), "Requeue is idempotent: a second requeue returns the issue unchanged with Requeued false and one round is recorded (checked: await Store.ListRequeuesAsync(id))").RequestedBy, "Requeue is idempotent: a second requeue returns the issue unchanged with Requeued false and one round is recorded (checked: the single one's RequestedBy)");
    }

    [SkippableFact]
    public async Task Concurrent_requeues_of_one_dead_letter_move_it_exactly_once()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await DeadLetterAsync(IssueStatus.Failed("dead"), claims: 2);
        using var start = new ManualResetEventSlim();

        var racers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await Store.RequeueAsync(id, $"operator-{i}");
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(racers);

        Contract.Single(results, r => r.Requeued, "of concurrent requeues of one dead letter exactly one moves it (checked: results)");
        var issue = await Store.GetAsync(id);
        Contract.Equal(1, issue.Round, "of concurrent requeues of one dead letter exactly one moves it: one round, Pending, claimable once (checked: issue.Round)");
        Contract.Equal(IssueState.Pending, issue.Status.State, "of concurrent requeues of one dead letter exactly one moves it: one round, Pending, claimable once (checked: issue.Status.State)");
        Contract.Single(await Store.ListRequeuesAsync(id), "of concurrent requeues of one dead letter exactly one moves it: one round, Pending, claimable once (checked: await Store.ListRequeuesAsync(id))");
        Contract.NotNull(await Store.ClaimNextAsync("w1", Lease), "of concurrent requeues of one dead letter exactly one moves it: one round, Pending, claimable once (checked: await Store.ClaimNextAsync(\"w1\", Lease))");
        Contract.Null(await Store.ClaimNextAsync("w2", Lease), "of concurrent requeues of one dead letter exactly one moves it: one round, Pending, claimable once (checked: await Store.ClaimNextAsync(\"w2\", Lease))");
    }

    [SkippableFact]
    public async Task Requeue_rounds_are_recorded_in_order_up_to_the_limit_and_beyond_it_refused()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await CreateAsync();
        for (var round = 0; round < IssueRequeue.MaxRounds; round++)
        {
            var claimed = await Store.ClaimNextAsync("w1", Lease);
            await Store.CompleteUnderLeaseAsync(IssueLease.Of(claimed!), IssueStatus.Failed($"dead {round}"));
            Contract.True((await Store.RequeueAsync(id, "op")).Requeued, "Requeue of a dead letter with fewer than IssueRequeue.MaxRounds rounds moves it (checked: (await Store.RequeueAsync(id, \"op\")).Requeued)");
        }

        var last = await Store.ClaimNextAsync("w1", Lease);
        await Store.CompleteUnderLeaseAsync(IssueLease.Of(last!), IssueStatus.Failed("dead again"));

        await Contract.ThrowsAsync<ConflictException>(() => Store.RequeueAsync(id, "op"), "Requeue of an issue that already had IssueRequeue.MaxRounds rounds throws ConflictException");
        var issue = await Store.GetAsync(id);
        Contract.Equal(IssueStatus.Failed("dead again"), issue.Status, "Requeue of an issue that already had IssueRequeue.MaxRounds rounds changes nothing (checked: issue.Status)");
        Contract.Equal(IssueRequeue.MaxRounds, issue.Round, "Requeue of an issue that already had IssueRequeue.MaxRounds rounds changes nothing (checked: issue.Round)");
        var history = await Store.ListRequeuesAsync(id);
        Contract.Equal(Enumerable.Range(1, IssueRequeue.MaxRounds), history.Select(r => r.Round), "ListRequeues returns the issue's requeues oldest first, at most IssueRequeue.MaxRounds (checked: history.Select(r => r.Round))");
        Contract.Equal(IssueStatus.Failed("dead 41"), history[41].PreviousStatus, "ListRequeues returns the issue's requeues oldest first, at most IssueRequeue.MaxRounds (checked: history[41].PreviousStatus)");
    }

    [SkippableFact]
    public async Task Requeue_of_an_unknown_issue_throws_not_found_and_an_empty_operator_is_refused()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await DeadLetterAsync(IssueStatus.Failed("dead"), claims: 1);

        await Contract.ThrowsAsync<NotFoundException>(() => Store.RequeueAsync(IssueId.Parse("issue:missing"), "op"), "Requeue of an unknown issue throws NotFoundException");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.ListRequeuesAsync(IssueId.Parse("issue:missing")), "ListRequeues of an unknown issue throws NotFoundException");
        await Contract.ThrowsAnyAsync<ArgumentException>(() => Store.RequeueAsync(id, string.Empty), "Requeue with an empty requestedBy throws ArgumentException");
        Contract.Equal(IssueState.Failed, (await Store.GetAsync(id)).Status.State, "a refused requeue changes nothing (checked: (await Store.GetAsync(id)).Status.State)");
    }

#pragma warning restore CS1591

    /// <summary>Creates an issue, claims it <paramref name="claims"/> times (the last claim completes it with <paramref name="status"/>).</summary>
    private async Task<IssueId> DeadLetterAsync(IssueStatus status, int claims)
    {
        var id = await CreateAsync();
        for (var i = 1; i < claims; i++)
        {
            var claimed = await Store.ClaimNextAsync("w1", Lease);
            await Store.ReleaseUnderLeaseAsync(IssueLease.Of(claimed!), Time.GetUtcNow(), "fault");
        }

        var last = await Store.ClaimNextAsync("w1", Lease);
        await Store.CompleteUnderLeaseAsync(IssueLease.Of(last!), status);
        return id;
    }
}
