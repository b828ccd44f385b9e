using System.Collections.Concurrent;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

/// <summary>
/// The conformance suite for <see cref="IIssueStore"/>. Derive once, implement
/// <see cref="ConformanceTests{TStore}.CreateStoreAsync"/>, and every fact runs against the adapter.
/// </summary>
public abstract partial class IssueStoreConformanceTests : ConformanceTests<IIssueStore>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly BlueprintId Target = BlueprintId.Parse("orders");

#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [Fact]
    public async Task Create_returns_pending_issue_with_every_field_kept()
    {
        using var patch = JsonDocument.Parse("""[{"op":"add","path":"/metadata/x-ünïcode","value":"漢字 ✓ 🚀","extra":{"unknown":[1,2.5,null,true]}}]""");
        var draft = new IssueDraft
        {
            BlueprintId = Target,
            Intent = "Raise the limit to 10 € — ünïcode ✓ 🚀",
            Patch = patch.RootElement,
            Rationale = "Kunden wünschen es",
            Bump = VersionBump.Minor,
            Title = "Tïtle 漢字",
            Description = "A longer description",
            Priority = IssuePriority.High,
            Labels = ["a", "ß", "🚀"],
            DueAt = StartTime.AddDays(3),
            Source = new IssueSource(IssueSourceType.Rule, "rule-1", "evt-1", "act-1"),
            IdempotencyKey = "key-1",
        };

        var result = await Store.CreateAsync(draft);
        patch.Dispose();
        var found = await Store.FindAsync(result.Issue.Id);

        Assert.True(result.Created);
        Assert.NotNull(found);
        foreach (var issue in new[] { result.Issue, found })
        {
            Assert.Equal(Target, issue.BlueprintId);
            Assert.Equal(draft.Intent, issue.Intent);
            Assert.NotNull(issue.Patch);
            Assert.True(JsonElement.DeepEquals(
                JsonDocument.Parse("""[{"op":"add","path":"/metadata/x-ünïcode","value":"漢字 ✓ 🚀","extra":{"unknown":[1,2.5,null,true]}}]""").RootElement,
                issue.Patch.Value));
            Assert.Equal(draft.Rationale, issue.Rationale);
            Assert.Equal(VersionBump.Minor, issue.Bump);
            Assert.Equal(draft.Title, issue.Title);
            Assert.Equal(draft.Description, issue.Description);
            Assert.Equal(IssuePriority.High, issue.Priority);
            Assert.Equal(["a", "ß", "🚀"], issue.Labels);
            Assert.Equal(draft.DueAt, issue.DueAt);
            Assert.Equal(draft.Source, issue.Source);
            Assert.Equal("key-1", issue.IdempotencyKey);
            Assert.Equal(IssueState.Pending, issue.Status.State);
            Assert.Equal(0, issue.Attempts);
            Assert.Null(issue.LeaseOwner);
            Assert.Null(issue.LeaseExpiresAt);
            Assert.Null(issue.NotBefore);
            Assert.Null(issue.LastError);
            Assert.Equal(StartTime, issue.CreatedAt);
            Assert.Equal(StartTime, issue.UpdatedAt);
        }
    }

    [Fact]
    public async Task Create_with_explicit_id_uses_it()
    {
        var id = IssueId.Parse("issue:explicit-1");

        var result = await Store.CreateAsync(Draft(id: id));

        Assert.True(result.Created);
        Assert.Equal(id, result.Issue.Id);
        Assert.Equal(id, (await Store.GetAsync(id)).Id);
    }

    [Fact]
    public async Task Create_with_same_idempotency_key_returns_existing_issue_and_creates_nothing()
    {
        var first = await Store.CreateAsync(Draft(key: "evt-42", intent: "first"));

        var second = await Store.CreateAsync(Draft(key: "evt-42", intent: "second"));

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Issue.Id, second.Issue.Id);
        Assert.Equal("first", second.Issue.Intent);
        Assert.Single(await ListAllAsync());
        Assert.Equal(first.Issue.Id, (await Store.FindByIdempotencyKeyAsync("evt-42"))?.Id);
    }

    [Fact]
    public async Task Create_with_existing_explicit_id_returns_existing_issue_and_creates_nothing()
    {
        var id = IssueId.Parse("fixed-id");
        await Store.CreateAsync(Draft(id: id, intent: "first"));

        var second = await Store.CreateAsync(Draft(id: id, intent: "second"));

        Assert.False(second.Created);
        Assert.Equal("first", second.Issue.Intent);
        Assert.Single(await ListAllAsync());
    }

    [Fact]
    public async Task Parallel_duplicate_creates_with_one_key_create_exactly_one_issue()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => Store.CreateAsync(Draft(key: "evt-parallel", intent: $"attempt {i}")))));

        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Issue.Id).Distinct());
        Assert.Single(await ListAllAsync());
    }

    [Fact]
    public async Task Find_unknown_issue_returns_null_and_get_throws_not_found()
    {
        var id = IssueId.Parse("missing");

        Assert.Null(await Store.FindAsync(id));
        Assert.Null(await Store.FindByIdempotencyKeyAsync("missing-key"));
        var error = await Assert.ThrowsAsync<NotFoundException>(() => Store.GetAsync(id));
        Assert.Equal("missing", error.Key);
    }

    [Fact]
    public async Task Claim_on_empty_store_returns_null()
    {
        Assert.Null(await Store.ClaimNextAsync("w1", Lease));
    }

    [Fact]
    public async Task Claim_sets_running_lease_and_counts_the_attempt()
    {
        var created = (await Store.CreateAsync(Draft())).Issue;
        Time.Advance(TimeSpan.FromSeconds(5));

        var claimed = await Store.ClaimNextAsync("w1", Lease);

        Assert.NotNull(claimed);
        Assert.Equal(created.Id, claimed.Id);
        Assert.Equal(IssueState.Running, claimed.Status.State);
        Assert.Equal("w1", claimed.LeaseOwner);
        Assert.Equal(Time.GetUtcNow() + Lease, claimed.LeaseExpiresAt);
        Assert.Equal(1, claimed.Attempts);
        var stored = await Store.GetAsync(created.Id);
        Assert.Equal(IssueState.Running, stored.Status.State);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal("w1", stored.LeaseOwner);
    }

    [Fact]
    public async Task Claim_takes_highest_priority_first_then_creation_order()
    {
        var low1 = await CreateAsync(IssuePriority.Low);
        var medium1 = await CreateAsync(IssuePriority.Medium);
        var high1 = await CreateAsync(IssuePriority.High);
        var low2 = await CreateAsync(IssuePriority.Low);
        var high2 = await CreateAsync(IssuePriority.High);
        var medium2 = await CreateAsync(IssuePriority.Medium);

        var order = new List<IssueId>();
        while (await Store.ClaimNextAsync("w1", Lease) is { } issue)
        {
            order.Add(issue.Id);
        }

        Assert.Equal([high1, high2, medium1, medium2, low1, low2], order);
    }

    [Fact]
    public async Task Claim_does_not_take_a_running_issue_before_its_lease_expires()
    {
        await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease - TimeSpan.FromSeconds(1));

        Assert.Null(await Store.ClaimNextAsync("w2", Lease));
    }

    [Fact]
    public async Task Claim_after_lease_expiry_returns_issue_to_another_worker()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease + TimeSpan.FromSeconds(1));

        var reclaimed = await Store.ClaimNextAsync("w2", Lease);

        Assert.NotNull(reclaimed);
        Assert.Equal(id, reclaimed.Id);
        Assert.Equal("w2", reclaimed.LeaseOwner);
        Assert.Equal(Time.GetUtcNow() + Lease, reclaimed.LeaseExpiresAt);
    }

    [Fact]
    public async Task Attempts_are_counted_at_claim_time_so_claim_expire_claim_gives_two()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease);

        var second = await Store.ClaimNextAsync("w2", Lease);

        Assert.Equal(2, second?.Attempts);
        Assert.Equal(2, (await Store.GetAsync(id)).Attempts);
    }

    [Fact]
    public async Task Claim_skips_issue_in_back_off_until_not_before_passes()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        var notBefore = Time.GetUtcNow() + TimeSpan.FromMinutes(1);
        await Store.ReleaseAsync(id, "w1", notBefore, "connection reset");

        Time.Advance(TimeSpan.FromSeconds(59));
        var early = await Store.ClaimNextAsync("w2", Lease);
        Time.Advance(TimeSpan.FromSeconds(1));
        var onTime = await Store.ClaimNextAsync("w2", Lease);

        Assert.Null(early);
        Assert.Equal(id, onTime?.Id);
        Assert.Equal(2, onTime?.Attempts);
    }

    [Fact]
    public async Task Issue_in_back_off_does_not_block_other_issues()
    {
        var first = await CreateAsync(IssuePriority.High);
        var second = await CreateAsync(IssuePriority.Low);
        await Store.ClaimNextAsync("w1", Lease);
        await Store.ReleaseAsync(first, "w1", Time.GetUtcNow() + TimeSpan.FromMinutes(5), "timeout");

        var next = await Store.ClaimNextAsync("w1", Lease);

        Assert.Equal(second, next?.Id);
    }

    [Fact]
    public async Task Release_returns_issue_to_pending_with_back_off_and_error_and_keeps_attempts()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(TimeSpan.FromSeconds(3));
        var notBefore = Time.GetUtcNow() + TimeSpan.FromSeconds(30);

        var released = await Store.ReleaseAsync(id, "w1", notBefore, "database unavailable — ünïcode");

        foreach (var issue in new[] { released, await Store.GetAsync(id) })
        {
            Assert.Equal(IssueState.Pending, issue.Status.State);
            Assert.Null(issue.LeaseOwner);
            Assert.Null(issue.LeaseExpiresAt);
            Assert.Equal(notBefore, issue.NotBefore);
            Assert.Equal("database unavailable — ünïcode", issue.LastError);
            Assert.Equal(1, issue.Attempts);
            Assert.Equal(Time.GetUtcNow(), issue.UpdatedAt);
        }
    }

    [Fact]
    public async Task Complete_by_lease_holder_sets_terminal_status()
    {
        var applied = await CreateAsync();
        var rejected = await CreateAsync();
        var failed = await CreateAsync();
        var version = BlueprintVersion.Parse(new string('a', 64));
        await Store.ClaimNextAsync("w1", Lease);
        await Store.ClaimNextAsync("w1", Lease);
        await Store.ClaimNextAsync("w1", Lease);

        await Store.CompleteAsync(applied, "w1", IssueStatus.Applied(version));
        await Store.CompleteAsync(rejected, "w1", IssueStatus.Rejected("des: denied ✗"));
        var completed = await Store.CompleteAsync(failed, "w1", IssueStatus.Failed("retry budget spent"));

        Assert.Equal(IssueState.Failed, completed.Status.State);
        Assert.Equal(IssueStatus.Applied(version), (await Store.GetAsync(applied)).Status);
        Assert.Equal(IssueStatus.Rejected("des: denied ✗"), (await Store.GetAsync(rejected)).Status);
        Assert.Equal(IssueStatus.Failed("retry budget spent"), (await Store.GetAsync(failed)).Status);
    }

    [Fact]
    public async Task Completed_issue_is_never_claimed_again()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        await Store.CompleteAsync(id, "w1", IssueStatus.Rejected("no"));
        Time.Advance(TimeSpan.FromHours(1));

        Assert.Null(await Store.ClaimNextAsync("w2", Lease));
    }

    [Fact]
    public async Task Complete_requires_a_terminal_status()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Pending));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Running));

        Assert.Equal(IssueState.Running, (await Store.GetAsync(id)).Status.State);
    }

    [Fact]
    public async Task Only_the_lease_holder_completes_and_the_issue_is_left_untouched()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);

        var error = await Assert.ThrowsAsync<ConflictException>(() => Store.CompleteAsync(id, "w2", IssueStatus.Rejected("no")));

        Assert.Equal("w2", error.Expected);
        Assert.Equal("w1", error.Actual);
        var issue = await Store.GetAsync(id);
        Assert.Equal(IssueState.Running, issue.Status.State);
        Assert.Equal("w1", issue.LeaseOwner);
    }

    [Fact]
    public async Task Only_the_lease_holder_renews()
    {
        var id = await CreateAsync();
        var claimed = await Store.ClaimNextAsync("w1", Lease);

        var error = await Assert.ThrowsAsync<ConflictException>(() => Store.RenewLeaseAsync(id, "w2", Lease));

        Assert.Equal("w2", error.Expected);
        Assert.Equal("w1", error.Actual);
        Assert.Equal(claimed?.LeaseExpiresAt, (await Store.GetAsync(id)).LeaseExpiresAt);
    }

    [Fact]
    public async Task Only_the_lease_holder_releases()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);

        var error = await Assert.ThrowsAsync<ConflictException>(() => Store.ReleaseAsync(id, "w2", Time.GetUtcNow(), "boom"));

        Assert.Equal("w2", error.Expected);
        Assert.Equal("w1", error.Actual);
        Assert.Equal(IssueState.Running, (await Store.GetAsync(id)).Status.State);
    }

    [Fact]
    public async Task Previous_holder_loses_the_lease_once_another_worker_reclaims()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease);
        await Store.ClaimNextAsync("w2", Lease);

        await Assert.ThrowsAsync<ConflictException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Rejected("late")));
        await Assert.ThrowsAsync<ConflictException>(() => Store.RenewLeaseAsync(id, "w1", Lease));
        await Assert.ThrowsAsync<ConflictException>(() => Store.ReleaseAsync(id, "w1", Time.GetUtcNow(), null));
        var completed = await Store.CompleteAsync(id, "w2", IssueStatus.Rejected("on time"));
        Assert.Equal(IssueState.Rejected, completed.Status.State);
    }

    [Fact]
    public async Task Lease_transitions_on_an_issue_that_is_not_running_conflict()
    {
        var pending = await CreateAsync();

        await Assert.ThrowsAsync<ConflictException>(() => Store.CompleteAsync(pending, "w1", IssueStatus.Rejected("no")));
        await Assert.ThrowsAsync<ConflictException>(() => Store.RenewLeaseAsync(pending, "w1", Lease));
        await Assert.ThrowsAsync<ConflictException>(() => Store.ReleaseAsync(pending, "w1", Time.GetUtcNow(), null));
        Assert.Equal(IssueState.Pending, (await Store.GetAsync(pending)).Status.State);
    }

    [Fact]
    public async Task Lease_transitions_on_unknown_issue_throw_not_found()
    {
        var id = IssueId.Parse("nope");

        await Assert.ThrowsAsync<NotFoundException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Rejected("no")));
        await Assert.ThrowsAsync<NotFoundException>(() => Store.RenewLeaseAsync(id, "w1", Lease));
        await Assert.ThrowsAsync<NotFoundException>(() => Store.ReleaseAsync(id, "w1", Time.GetUtcNow(), null));
    }

    [Fact]
    public async Task Renew_extends_the_lease_so_the_issue_is_not_reclaimed()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(TimeSpan.FromSeconds(20));

        var renewed = await Store.RenewLeaseAsync(id, "w1", Lease);
        Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(Time.GetUtcNow() - TimeSpan.FromSeconds(20) + Lease, renewed.LeaseExpiresAt);
        Assert.Equal(1, renewed.Attempts);
        Assert.Null(await Store.ClaimNextAsync("w2", Lease));
        Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(id, (await Store.ClaimNextAsync("w2", Lease))?.Id);
    }

    [Fact]
    public async Task Parallel_claimers_claim_every_issue_exactly_once()
    {
        const int IssueCount = 1000;
        for (var i = 0; i < IssueCount; i++)
        {
            await Store.CreateAsync(Draft(priority: (IssuePriority)(i % 3)));
        }

        var claims = new ConcurrentBag<IssueId>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            while (await Store.ClaimNextAsync($"w{w}", TimeSpan.FromHours(1)) is { } issue)
            {
                claims.Add(issue.Id);
            }
        })));

        Assert.Equal(IssueCount, claims.Count);
        Assert.Equal(IssueCount, claims.Distinct().Count());
        Assert.All(await ListAllAsync(), issue => Assert.Equal(1, issue.Attempts));
    }

    [Fact]
    public async Task List_pages_walk_every_issue_exactly_once_in_creation_order()
    {
        var created = new List<IssueId>();
        for (var i = 0; i < 95; i++)
        {
            created.Add(await CreateAsync((IssuePriority)(i % 3)));
        }

        var pages = 0;
        var seen = new List<IssueId>();
        string? token = null;
        do
        {
            var page = await Store.ListAsync(new IssueQuery { Limit = 10, ContinuationToken = token });
            Assert.InRange(page.Items.Count, 1, 10);
            seen.AddRange(page.Items.Select(i => i.Id));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(created, seen);
        Assert.Equal(10, pages);
    }

    [Fact]
    public async Task List_by_state_pages_walk_every_matching_issue_exactly_once()
    {
        var created = new List<IssueId>();
        for (var i = 0; i < 60; i++)
        {
            created.Add(await CreateAsync());
        }

        // Claim and complete every third issue so matches are interleaved with non-matches.
        var claimed = new List<IssueId>();
        while (await Store.ClaimNextAsync("w1", Lease) is { } issue)
        {
            claimed.Add(issue.Id);
        }

        var rejected = claimed.Where((_, i) => i % 3 == 0).ToList();
        foreach (var id in rejected)
        {
            await Store.CompleteAsync(id, "w1", IssueStatus.Rejected("no"));
        }

        Assert.Equal(rejected.OrderBy(created.IndexOf), (await ListAllAsync(IssueState.Rejected, pageSize: 7)).Select(i => i.Id));
        Assert.Equal(created.Except(rejected), (await ListAllAsync(IssueState.Running, pageSize: 7)).Select(i => i.Id));
        Assert.Empty(await ListAllAsync(IssueState.Pending, pageSize: 7));
        Assert.Equal(created, (await ListAllAsync(null, pageSize: 1000)).Select(i => i.Id));
    }

    [Fact]
    public async Task Exactly_one_of_many_parallel_claimers_wins_a_single_issue()
    {
        var id = await CreateAsync();

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(w =>
            Task.Run(() => Store.ClaimNextAsync($"w{w}", Lease))));

        var winner = Assert.Single(claims, c => c is not null);
        Assert.Equal(id, winner!.Id);
        var stored = await Store.GetAsync(id);
        Assert.Equal(winner.LeaseOwner, stored.LeaseOwner);
        Assert.Equal(1, stored.Attempts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task List_rejects_a_page_size_outside_1_to_1000(int limit)
    {
        await Assert.ThrowsAsync<ValidationException>(() => Store.ListAsync(new IssueQuery { Limit = limit }));
    }

    [Fact]
    public async Task List_rejects_a_continuation_token_it_did_not_issue()
    {
        await CreateAsync();

        await Assert.ThrowsAsync<ValidationException>(() => Store.ListAsync(new IssueQuery { ContinuationToken = "not-a-token" }));
    }

    [Fact]
    public async Task List_of_empty_store_returns_one_empty_last_page()
    {
        var page = await Store.ListAsync(new IssueQuery());

        Assert.Empty(page.Items);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task Pre_cancelled_token_is_honoured()
    {
        var id = (await Store.CreateAsync(Draft(key: "key-c"))).Issue.Id;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.CreateAsync(Draft(), CancelledToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.FindAsync(id, CancelledToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetAsync(id, CancelledToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.FindByIdempotencyKeyAsync("key-c", CancelledToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.ClaimNextAsync("w1", Lease, CancelledToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.ListAsync(new IssueQuery(), CancelledToken));
        Assert.Single(await ListAllAsync());
        var issue = await Store.GetAsync(id);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        Assert.Equal(0, issue.Attempts);
    }

    [Fact]
    public async Task Pre_cancelled_token_is_honoured_by_the_lease_holders_transitions()
    {
        var id = await CreateAsync();
        var claimed = await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.RenewLeaseAsync(id, "w1", Lease, CancelledToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Rejected("no"), CancelledToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.ReleaseAsync(id, "w1", Time.GetUtcNow() + Lease, "boom", CancelledToken));

        var issue = await Store.GetAsync(id);
        Assert.Equal(IssueState.Running, issue.Status.State);
        Assert.Equal("w1", issue.LeaseOwner);
        Assert.Equal(claimed?.LeaseExpiresAt, issue.LeaseExpiresAt);
        Assert.Equal(claimed?.UpdatedAt, issue.UpdatedAt);
        Assert.Null(issue.LastError);
        Assert.Null(issue.NotBefore);
        Assert.Equal(1, issue.Attempts);
    }

#pragma warning restore CS1591

    /// <summary>Builds a draft for the suite's target series.</summary>
    protected static IssueDraft Draft(IssueId? id = null, string? key = null, string intent = "change it", IssuePriority priority = IssuePriority.Medium)
        => new() { Id = id, BlueprintId = Target, Intent = intent, IdempotencyKey = key, Priority = priority };

    private async Task<IssueId> CreateAsync(IssuePriority priority = IssuePriority.Medium)
        => (await Store.CreateAsync(Draft(priority: priority))).Issue.Id;

    private protected async Task<List<Issue>> ListAllAsync(IssueState? state = null, int pageSize = 100)
    {
        var all = new List<Issue>();
        string? token = null;
        do
        {
            var page = await Store.ListAsync(new IssueQuery { State = state, Limit = pageSize, ContinuationToken = token });
            all.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);

        return all;
    }
}
