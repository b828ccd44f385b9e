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

        Assert.True(result.Requeued);
        var issue = await Store.GetAsync(id);
        foreach (var i in new[] { result.Issue, issue })
        {
            Assert.Equal(IssueStatus.Pending, i.Status);
            Assert.Equal(1, i.Round);
            Assert.Equal(3, i.Attempts);
            Assert.Equal(3, i.RoundStartAttempts);
            Assert.Equal(0, i.RoundAttempts);
            Assert.Null(i.LeaseOwner);
            Assert.Null(i.LeaseExpiresAt);
            Assert.Null(i.NotBefore);
            Assert.Null(i.LastError);
            Assert.Equal(StartTime.AddMinutes(5), i.UpdatedAt);
        }

        var history = await Store.ListRequeuesAsync(id);
        var requeue = Assert.Single(history);
        Assert.Equal(id, requeue.IssueId);
        Assert.Equal(1, requeue.Round);
        Assert.Equal("operator ü", requeue.RequestedBy);
        Assert.Equal(StartTime.AddMinutes(5), requeue.RequeuedAt);
        Assert.Equal(IssueStatus.Failed("retry budget spent ✗"), requeue.PreviousStatus);
        Assert.Equal(3, requeue.PreviousAttempts);
    }

    [SkippableFact]
    public async Task Requeue_of_a_rejected_issue_returns_it_to_the_queue()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await DeadLetterAsync(IssueStatus.Rejected("des: denied"), claims: 1);

        var result = await Store.RequeueAsync(id, "op");

        Assert.True(result.Requeued);
        Assert.Equal(IssueStatus.Pending, (await Store.GetAsync(id)).Status);
        Assert.Equal(IssueStatus.Rejected("des: denied"), Assert.Single(await Store.ListRequeuesAsync(id)).PreviousStatus);
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

        Assert.NotNull(again);
        Assert.Equal(id, again.Id);
        Assert.Equal(2, again.Attempts);
        Assert.Equal(1, again.RoundAttempts);
        await Assert.ThrowsAsync<ConflictException>(() => Store.CompleteUnderLeaseAsync(oldLease, IssueStatus.Rejected("stale")));
        Assert.Equal(IssueState.Running, (await Store.GetAsync(id)).Status.State);
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

            Assert.False(result.Requeued);
            Assert.Equal(before, result.Issue);
            Assert.Equal(before, await Store.GetAsync(id));
            Assert.Empty(await Store.ListRequeuesAsync(id));
        }
    }

    [SkippableFact]
    public async Task Requeue_repeated_is_idempotent_and_records_one_round()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await DeadLetterAsync(IssueStatus.Failed("dead"), claims: 1);

        var first = await Store.RequeueAsync(id, "op-1");
        var second = await Store.RequeueAsync(id, "op-2");

        Assert.True(first.Requeued);
        Assert.False(second.Requeued);
        Assert.Equal(first.Issue, second.Issue);
        Assert.Equal("op-1", Assert.Single(await Store.ListRequeuesAsync(id)).RequestedBy);
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

        Assert.Single(results, r => r.Requeued);
        var issue = await Store.GetAsync(id);
        Assert.Equal(1, issue.Round);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        Assert.Single(await Store.ListRequeuesAsync(id));
        Assert.NotNull(await Store.ClaimNextAsync("w1", Lease));
        Assert.Null(await Store.ClaimNextAsync("w2", Lease));
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
            Assert.True((await Store.RequeueAsync(id, "op")).Requeued);
        }

        var last = await Store.ClaimNextAsync("w1", Lease);
        await Store.CompleteUnderLeaseAsync(IssueLease.Of(last!), IssueStatus.Failed("dead again"));

        await Assert.ThrowsAsync<ConflictException>(() => Store.RequeueAsync(id, "op"));
        var issue = await Store.GetAsync(id);
        Assert.Equal(IssueStatus.Failed("dead again"), issue.Status);
        Assert.Equal(IssueRequeue.MaxRounds, issue.Round);
        var history = await Store.ListRequeuesAsync(id);
        Assert.Equal(Enumerable.Range(1, IssueRequeue.MaxRounds), history.Select(r => r.Round));
        Assert.Equal(IssueStatus.Failed("dead 41"), history[41].PreviousStatus);
    }

    [SkippableFact]
    public async Task Requeue_of_an_unknown_issue_throws_not_found_and_an_empty_operator_is_refused()
    {
        Skip.IfNot(SupportsRequeue, RequeueSkipReason);
        var id = await DeadLetterAsync(IssueStatus.Failed("dead"), claims: 1);

        await Assert.ThrowsAsync<NotFoundException>(() => Store.RequeueAsync(IssueId.Parse("issue:missing"), "op"));
        await Assert.ThrowsAsync<NotFoundException>(() => Store.ListRequeuesAsync(IssueId.Parse("issue:missing")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.RequeueAsync(id, string.Empty));
        Assert.Equal(IssueState.Failed, (await Store.GetAsync(id)).Status.State);
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
