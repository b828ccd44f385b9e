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

        Contract.True(result.Created, "create returns pending issue with every field kept (checked: result.Created)");
        Contract.NotNull(found, "create returns pending issue with every field kept (checked: found)");
        foreach (var issue in new[] { result.Issue, found })
        {
            Contract.Equal(Target, issue.BlueprintId, "create returns pending issue with every field kept (checked: issue.BlueprintId)");
            Contract.Equal(draft.Intent, issue.Intent, "create returns pending issue with every field kept (checked: issue.Intent)");
            Contract.NotNull(issue.Patch, "create returns pending issue with every field kept (checked: issue.Patch)");
            Contract.True(JsonElement.DeepEquals(
                JsonDocument.Parse("""[{"op":"add","path":"/metadata/x-ünïcode","value":"漢字 ✓ 🚀","extra":{"unknown":[1,2.5,null,true]}}]""").RootElement,
                issue.Patch.Value), "create returns pending issue with every field kept");
            Contract.Equal(draft.Rationale, issue.Rationale, "create returns pending issue with every field kept (checked: issue.Rationale)");
            Contract.Equal(VersionBump.Minor, issue.Bump, "create returns pending issue with every field kept (checked: issue.Bump)");
            Contract.Equal(draft.Title, issue.Title, "create returns pending issue with every field kept (checked: issue.Title)");
            Contract.Equal(draft.Description, issue.Description, "create returns pending issue with every field kept (checked: issue.Description)");
            Contract.Equal(IssuePriority.High, issue.Priority, "create returns pending issue with every field kept (checked: issue.Priority)");
            Contract.Equal(["a", "ß", "🚀"], issue.Labels, "create returns pending issue with every field kept (checked: issue.Labels)");
            Contract.Equal(draft.DueAt, issue.DueAt, "create returns pending issue with every field kept (checked: issue.DueAt)");
            Contract.Equal(draft.Source, issue.Source, "create returns pending issue with every field kept (checked: issue.Source)");
            Contract.Equal("key-1", issue.IdempotencyKey, "create returns pending issue with every field kept (checked: issue.IdempotencyKey)");
            Contract.Equal(IssueState.Pending, issue.Status.State, "create returns pending issue with every field kept (checked: issue.Status.State)");
            Contract.Equal(0, issue.Attempts, "create returns pending issue with every field kept (checked: issue.Attempts)");
            Contract.Null(issue.LeaseOwner, "create returns pending issue with every field kept (checked: issue.LeaseOwner)");
            Contract.Null(issue.LeaseExpiresAt, "create returns pending issue with every field kept (checked: issue.LeaseExpiresAt)");
            Contract.Null(issue.NotBefore, "create returns pending issue with every field kept (checked: issue.NotBefore)");
            Contract.Null(issue.LastError, "create returns pending issue with every field kept (checked: issue.LastError)");
            Contract.Equal(StartTime, issue.CreatedAt, "create returns pending issue with every field kept (checked: issue.CreatedAt)");
            Contract.Equal(StartTime, issue.UpdatedAt, "create returns pending issue with every field kept (checked: issue.UpdatedAt)");
        }
    }

    [Fact]
    public async Task Create_with_explicit_id_uses_it()
    {
        var id = IssueId.Parse("issue:explicit-1");

        var result = await Store.CreateAsync(Draft(id: id));

        Contract.True(result.Created, "create with explicit id uses it (checked: result.Created)");
        Contract.Equal(id, result.Issue.Id, "create with explicit id uses it (checked: result.Issue.Id)");
        Contract.Equal(id, (await Store.GetAsync(id)).Id, "create with explicit id uses it (checked: (await Store.GetAsync(id)).Id)");
    }

    [Fact]
    public async Task Create_with_same_idempotency_key_returns_existing_issue_and_creates_nothing()
    {
        var first = await Store.CreateAsync(Draft(key: "evt-42", intent: "first"));

        var second = await Store.CreateAsync(Draft(key: "evt-42", intent: "second"));

        Contract.True(first.Created, "create with same idempotency key returns existing issue and creates nothing (checked: first.Created)");
        Contract.False(second.Created, "create with same idempotency key returns existing issue and creates nothing (checked: second.Created)");
        Contract.Equal(first.Issue.Id, second.Issue.Id, "create with same idempotency key returns existing issue and creates nothing (checked: second.Issue.Id)");
        Contract.Equal("first", second.Issue.Intent, "create with same idempotency key returns existing issue and creates nothing (checked: second.Issue.Intent)");
        Contract.Single(await ListAllAsync(), "create with same idempotency key returns existing issue and creates nothing (checked: await ListAllAsync())");
        Contract.Equal(first.Issue.Id, (await Store.FindByIdempotencyKeyAsync("evt-42"))?.Id, "create with same idempotency key returns existing issue and creates nothing (checked: (await Store.FindByIdempotencyKeyAsync(\"evt-42\"))?.Id)");
    }

    [Fact]
    public async Task Create_with_existing_explicit_id_returns_existing_issue_and_creates_nothing()
    {
        var id = IssueId.Parse("fixed-id");
        await Store.CreateAsync(Draft(id: id, intent: "first"));

        var second = await Store.CreateAsync(Draft(id: id, intent: "second"));

        Contract.False(second.Created, "create with existing explicit id returns existing issue and creates nothing (checked: second.Created)");
        Contract.Equal("first", second.Issue.Intent, "create with existing explicit id returns existing issue and creates nothing (checked: second.Issue.Intent)");
        Contract.Single(await ListAllAsync(), "create with existing explicit id returns existing issue and creates nothing (checked: await ListAllAsync())");
    }

    [Fact]
    public async Task Parallel_duplicate_creates_with_one_key_create_exactly_one_issue()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => Store.CreateAsync(Draft(key: "evt-parallel", intent: $"attempt {i}")))));

        Contract.Single(results, r => r.Created, "parallel duplicate creates with one key create exactly one issue (checked: results)");
        Contract.Single(results.Select(r => r.Issue.Id).Distinct(), "parallel duplicate creates with one key create exactly one issue (checked: results.Select(r => r.Issue.Id).Distinct())");
        Contract.Single(await ListAllAsync(), "parallel duplicate creates with one key create exactly one issue (checked: await ListAllAsync())");
    }

    [Fact]
    public async Task Find_unknown_issue_returns_null_and_get_throws_not_found()
    {
        var id = IssueId.Parse("missing");

        Contract.Null(await Store.FindAsync(id), "find unknown issue returns null and get throws not found (checked: await Store.FindAsync(id))");
        Contract.Null(await Store.FindByIdempotencyKeyAsync("missing-key"), "find unknown issue returns null and get throws not found (checked: await Store.FindByIdempotencyKeyAsync(\"missing-key\"))");
        var error = await Contract.ThrowsAsync<NotFoundException>(() => Store.GetAsync(id), "find unknown issue returns null and get throws not found");
        Contract.Equal("missing", error.Key, "find unknown issue returns null and get throws not found (checked: error.Key)");
    }

    [Fact]
    public async Task Claim_on_empty_store_returns_null()
    {
        Contract.Null(await Store.ClaimNextAsync("w1", Lease), "claim on empty store returns null (checked: await Store.ClaimNextAsync(\"w1\", Lease))");
    }

    [Fact]
    public async Task Claim_sets_running_lease_and_counts_the_attempt()
    {
        var created = (await Store.CreateAsync(Draft())).Issue;
        Time.Advance(TimeSpan.FromSeconds(5));

        var claimed = await Store.ClaimNextAsync("w1", Lease);

        Contract.NotNull(claimed, "claim sets running lease and counts the attempt (checked: claimed)");
        Contract.Equal(created.Id, claimed.Id, "claim sets running lease and counts the attempt (checked: claimed.Id)");
        Contract.Equal(IssueState.Running, claimed.Status.State, "claim sets running lease and counts the attempt (checked: claimed.Status.State)");
        Contract.Equal("w1", claimed.LeaseOwner, "claim sets running lease and counts the attempt (checked: claimed.LeaseOwner)");
        Contract.Equal(Time.GetUtcNow() + Lease, claimed.LeaseExpiresAt, "claim sets running lease and counts the attempt (checked: claimed.LeaseExpiresAt)");
        Contract.Equal(1, claimed.Attempts, "claim sets running lease and counts the attempt (checked: claimed.Attempts)");
        var stored = await Store.GetAsync(created.Id);
        Contract.Equal(IssueState.Running, stored.Status.State, "claim sets running lease and counts the attempt (checked: stored.Status.State)");
        Contract.Equal(1, stored.Attempts, "claim sets running lease and counts the attempt (checked: stored.Attempts)");
        Contract.Equal("w1", stored.LeaseOwner, "claim sets running lease and counts the attempt (checked: stored.LeaseOwner)");
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

        Contract.Equal([high1, high2, medium1, medium2, low1, low2], order, "claim takes highest priority first then creation order (checked: order)");
    }

    [Fact]
    public async Task Claim_does_not_take_a_running_issue_before_its_lease_expires()
    {
        await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease - TimeSpan.FromSeconds(1));

        Contract.Null(await Store.ClaimNextAsync("w2", Lease), "claim does not take a running issue before its lease expires (checked: await Store.ClaimNextAsync(\"w2\", Lease))");
    }

    [Fact]
    public async Task Claim_after_lease_expiry_returns_issue_to_another_worker()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease + TimeSpan.FromSeconds(1));

        var reclaimed = await Store.ClaimNextAsync("w2", Lease);

        Contract.NotNull(reclaimed, "claim after lease expiry returns issue to another worker (checked: reclaimed)");
        Contract.Equal(id, reclaimed.Id, "claim after lease expiry returns issue to another worker (checked: reclaimed.Id)");
        Contract.Equal("w2", reclaimed.LeaseOwner, "claim after lease expiry returns issue to another worker (checked: reclaimed.LeaseOwner)");
        Contract.Equal(Time.GetUtcNow() + Lease, reclaimed.LeaseExpiresAt, "claim after lease expiry returns issue to another worker (checked: reclaimed.LeaseExpiresAt)");
    }

    [Fact]
    public async Task Attempts_are_counted_at_claim_time_so_claim_expire_claim_gives_two()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease);

        var second = await Store.ClaimNextAsync("w2", Lease);

        Contract.Equal(2, second?.Attempts, "attempts are counted at claim time so claim expire claim gives two (checked: second?.Attempts)");
        Contract.Equal(2, (await Store.GetAsync(id)).Attempts, "attempts are counted at claim time so claim expire claim gives two (checked: (await Store.GetAsync(id)).Attempts)");
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

        Contract.Null(early, "claim skips issue in back off until not before passes (checked: early)");
        Contract.Equal(id, onTime?.Id, "claim skips issue in back off until not before passes (checked: onTime?.Id)");
        Contract.Equal(2, onTime?.Attempts, "claim skips issue in back off until not before passes (checked: onTime?.Attempts)");
    }

    [Fact]
    public async Task Issue_in_back_off_does_not_block_other_issues()
    {
        var first = await CreateAsync(IssuePriority.High);
        var second = await CreateAsync(IssuePriority.Low);
        await Store.ClaimNextAsync("w1", Lease);
        await Store.ReleaseAsync(first, "w1", Time.GetUtcNow() + TimeSpan.FromMinutes(5), "timeout");

        var next = await Store.ClaimNextAsync("w1", Lease);

        Contract.Equal(second, next?.Id, "issue in back off does not block other issues (checked: next?.Id)");
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
            Contract.Equal(IssueState.Pending, issue.Status.State, "release returns issue to pending with back off and error and keeps attempts (checked: issue.Status.State)");
            Contract.Null(issue.LeaseOwner, "release returns issue to pending with back off and error and keeps attempts (checked: issue.LeaseOwner)");
            Contract.Null(issue.LeaseExpiresAt, "release returns issue to pending with back off and error and keeps attempts (checked: issue.LeaseExpiresAt)");
            Contract.Equal(notBefore, issue.NotBefore, "release returns issue to pending with back off and error and keeps attempts (checked: issue.NotBefore)");
            Contract.Equal("database unavailable — ünïcode", issue.LastError, "release returns issue to pending with back off and error and keeps attempts (checked: issue.LastError)");
            Contract.Equal(1, issue.Attempts, "release returns issue to pending with back off and error and keeps attempts (checked: issue.Attempts)");
            Contract.Equal(Time.GetUtcNow(), issue.UpdatedAt, "release returns issue to pending with back off and error and keeps attempts (checked: issue.UpdatedAt)");
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

        Contract.Equal(IssueState.Failed, completed.Status.State, "complete by lease holder sets terminal status (checked: completed.Status.State)");
        Contract.Equal(IssueStatus.Applied(version), (await Store.GetAsync(applied)).Status, "complete by lease holder sets terminal status (checked: (await Store.GetAsync(applied)).Status)");
        Contract.Equal(IssueStatus.Rejected("des: denied ✗"), (await Store.GetAsync(rejected)).Status, "complete by lease holder sets terminal status (checked: (await Store.GetAsync(rejected)).Status)");
        Contract.Equal(IssueStatus.Failed("retry budget spent"), (await Store.GetAsync(failed)).Status, "complete by lease holder sets terminal status (checked: (await Store.GetAsync(failed)).Status)");
    }

    [Fact]
    public async Task Completed_issue_is_never_claimed_again()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        await Store.CompleteAsync(id, "w1", IssueStatus.Rejected("no"));
        Time.Advance(TimeSpan.FromHours(1));

        Contract.Null(await Store.ClaimNextAsync("w2", Lease), "completed issue is never claimed again (checked: await Store.ClaimNextAsync(\"w2\", Lease))");
    }

    [Fact]
    public async Task Complete_requires_a_terminal_status()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);

        await Contract.ThrowsAnyAsync<ArgumentException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Pending), "complete requires a terminal status");
        await Contract.ThrowsAnyAsync<ArgumentException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Running), "complete requires a terminal status");

        Contract.Equal(IssueState.Running, (await Store.GetAsync(id)).Status.State, "complete requires a terminal status (checked: (await Store.GetAsync(id)).Status.State)");
    }

    [Fact]
    public async Task Only_the_lease_holder_completes_and_the_issue_is_left_untouched()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);

        var error = await Contract.ThrowsAsync<ConflictException>(() => Store.CompleteAsync(id, "w2", IssueStatus.Rejected("no")), "CompleteAsync by an owner that does not hold the lease (\"w2\"; \"w1\" holds it) throws ConflictException and changes nothing");

        Contract.Equal("w2", error.Expected, "the ConflictException of a refused CompleteAsync carries in ConflictException.Expected the owner the caller claimed to be (the lease it expected to hold)");
        Contract.Equal("w1", error.Actual, "the ConflictException of a refused CompleteAsync carries in ConflictException.Actual the owner that holds the lease");
        var issue = await Store.GetAsync(id);
        Contract.Equal(IssueState.Running, issue.Status.State, "only the lease holder completes and the issue is left untouched (checked: issue.Status.State)");
        Contract.Equal("w1", issue.LeaseOwner, "only the lease holder completes and the issue is left untouched (checked: issue.LeaseOwner)");
    }

    [Fact]
    public async Task Only_the_lease_holder_renews()
    {
        var id = await CreateAsync();
        var claimed = await Store.ClaimNextAsync("w1", Lease);

        var error = await Contract.ThrowsAsync<ConflictException>(() => Store.RenewLeaseAsync(id, "w2", Lease), "RenewLeaseAsync by an owner that does not hold the lease (\"w2\"; \"w1\" holds it) throws ConflictException and changes nothing");

        Contract.Equal("w2", error.Expected, "the ConflictException of a refused RenewLeaseAsync carries in ConflictException.Expected the owner the caller claimed to be (the lease it expected to hold)");
        Contract.Equal("w1", error.Actual, "the ConflictException of a refused RenewLeaseAsync carries in ConflictException.Actual the owner that holds the lease");
        Contract.Equal(claimed?.LeaseExpiresAt, (await Store.GetAsync(id)).LeaseExpiresAt, "only the lease holder renews (checked: (await Store.GetAsync(id)).LeaseExpiresAt)");
    }

    [Fact]
    public async Task Only_the_lease_holder_releases()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);

        var error = await Contract.ThrowsAsync<ConflictException>(() => Store.ReleaseAsync(id, "w2", Time.GetUtcNow(), "boom"), "ReleaseAsync by an owner that does not hold the lease (\"w2\"; \"w1\" holds it) throws ConflictException and changes nothing");

        Contract.Equal("w2", error.Expected, "the ConflictException of a refused ReleaseAsync carries in ConflictException.Expected the owner the caller claimed to be (the lease it expected to hold)");
        Contract.Equal("w1", error.Actual, "the ConflictException of a refused ReleaseAsync carries in ConflictException.Actual the owner that holds the lease");
        Contract.Equal(IssueState.Running, (await Store.GetAsync(id)).Status.State, "only the lease holder releases (checked: (await Store.GetAsync(id)).Status.State)");
    }

    [Fact]
    public async Task Previous_holder_loses_the_lease_once_another_worker_reclaims()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(Lease);
        await Store.ClaimNextAsync("w2", Lease);

        await Contract.ThrowsAsync<ConflictException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Rejected("late")), "once the lease expired and another worker claimed the issue, CompleteAsync by the previous holder throws ConflictException (its lease is gone)");
        await Contract.ThrowsAsync<ConflictException>(() => Store.RenewLeaseAsync(id, "w1", Lease), "once the lease expired and another worker claimed the issue, RenewLeaseAsync by the previous holder throws ConflictException (its lease is gone)");
        await Contract.ThrowsAsync<ConflictException>(() => Store.ReleaseAsync(id, "w1", Time.GetUtcNow(), null), "once the lease expired and another worker claimed the issue, ReleaseAsync by the previous holder throws ConflictException (its lease is gone)");
        var completed = await Store.CompleteAsync(id, "w2", IssueStatus.Rejected("on time"));
        Contract.Equal(IssueState.Rejected, completed.Status.State, "previous holder loses the lease once another worker reclaims (checked: completed.Status.State)");
    }

    [Fact]
    public async Task Lease_transitions_on_an_issue_that_is_not_running_conflict()
    {
        var pending = await CreateAsync();

        await Contract.ThrowsAsync<ConflictException>(() => Store.CompleteAsync(pending, "w1", IssueStatus.Rejected("no")), "CompleteAsync on an issue that is Pending (nobody holds a lease) throws ConflictException");
        await Contract.ThrowsAsync<ConflictException>(() => Store.RenewLeaseAsync(pending, "w1", Lease), "RenewLeaseAsync on an issue that is Pending (nobody holds a lease) throws ConflictException");
        await Contract.ThrowsAsync<ConflictException>(() => Store.ReleaseAsync(pending, "w1", Time.GetUtcNow(), null), "ReleaseAsync on an issue that is Pending (nobody holds a lease) throws ConflictException");
        Contract.Equal(IssueState.Pending, (await Store.GetAsync(pending)).Status.State, "lease transitions on an issue that is not running conflict (checked: (await Store.GetAsync(pending)).Status.State)");
    }

    [Fact]
    public async Task Lease_transitions_on_unknown_issue_throw_not_found()
    {
        var id = IssueId.Parse("nope");

        await Contract.ThrowsAsync<NotFoundException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Rejected("no")), "lease transitions on unknown issue throw not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.RenewLeaseAsync(id, "w1", Lease), "lease transitions on unknown issue throw not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.ReleaseAsync(id, "w1", Time.GetUtcNow(), null), "lease transitions on unknown issue throw not found");
    }

    [Fact]
    public async Task Renew_extends_the_lease_so_the_issue_is_not_reclaimed()
    {
        var id = await CreateAsync();
        await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(TimeSpan.FromSeconds(20));

        var renewed = await Store.RenewLeaseAsync(id, "w1", Lease);
        Time.Advance(TimeSpan.FromSeconds(20));

        Contract.Equal(Time.GetUtcNow() - TimeSpan.FromSeconds(20) + Lease, renewed.LeaseExpiresAt, "renew extends the lease so the issue is not reclaimed (checked: renewed.LeaseExpiresAt)");
        Contract.Equal(1, renewed.Attempts, "renew extends the lease so the issue is not reclaimed (checked: renewed.Attempts)");
        Contract.Null(await Store.ClaimNextAsync("w2", Lease), "renew extends the lease so the issue is not reclaimed (checked: await Store.ClaimNextAsync(\"w2\", Lease))");
        Time.Advance(TimeSpan.FromSeconds(10));
        Contract.Equal(id, (await Store.ClaimNextAsync("w2", Lease))?.Id, "renew extends the lease so the issue is not reclaimed (checked: (await Store.ClaimNextAsync(\"w2\", Lease))?.Id)");
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

        Contract.Equal(IssueCount, claims.Count, "parallel claimers claim every issue exactly once (checked: claims.Count)");
        Contract.Equal(IssueCount, claims.Distinct().Count(), "parallel claimers claim every issue exactly once (checked: claims.Distinct().Count())");
        Contract.All(await ListAllAsync(), issue => Contract.Equal(1, issue.Attempts, "parallel claimers claim every issue exactly once (checked: issue.Attempts)"), "parallel claimers claim every issue exactly once");
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
            Contract.InRange(page.Items.Count, 1, 10, "list pages walk every issue exactly once in creation order (checked: page.Items.Count)");
            seen.AddRange(page.Items.Select(i => i.Id));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Contract.Equal(created, seen, "list pages walk every issue exactly once in creation order (checked: seen)");
        Contract.Equal(10, pages, "list pages walk every issue exactly once in creation order (checked: pages)");
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

        Contract.Equal(rejected.OrderBy(created.IndexOf), (await ListAllAsync(IssueState.Rejected, pageSize: 7)).Select(i => i.Id), "list by state pages walk every matching issue exactly once");
        Contract.Equal(created.Except(rejected), (await ListAllAsync(IssueState.Running, pageSize: 7)).Select(i => i.Id), "list by state pages walk every matching issue exactly once");
        Contract.Empty(await ListAllAsync(IssueState.Pending, pageSize: 7), "list by state pages walk every matching issue exactly once (checked: await ListAllAsync(IssueState.Pending, pageSize: 7))");
        Contract.Equal(created, (await ListAllAsync(null, pageSize: 1000)).Select(i => i.Id), "list by state pages walk every matching issue exactly once (checked: (await ListAllAsync(null, pageSize: 1000)).Select(i => i.Id))");
    }

    [Fact]
    public async Task Exactly_one_of_many_parallel_claimers_wins_a_single_issue()
    {
        var id = await CreateAsync();

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(w =>
            Task.Run(() => Store.ClaimNextAsync($"w{w}", Lease))));

        var winner = Contract.Single(claims, c => c is not null, "exactly one of many parallel claimers wins a single issue (checked: claims)");
        Contract.Equal(id, winner!.Id, "exactly one of many parallel claimers wins a single issue (checked: winner!.Id)");
        var stored = await Store.GetAsync(id);
        Contract.Equal(winner.LeaseOwner, stored.LeaseOwner, "exactly one of many parallel claimers wins a single issue (checked: stored.LeaseOwner)");
        Contract.Equal(1, stored.Attempts, "exactly one of many parallel claimers wins a single issue (checked: stored.Attempts)");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task List_rejects_a_page_size_outside_1_to_1000(int limit)
    {
        await Contract.ThrowsAsync<ValidationException>(() => Store.ListAsync(new IssueQuery { Limit = limit }), "list rejects a page size outside 1 to 1000");
    }

    [Fact]
    public async Task List_rejects_a_continuation_token_it_did_not_issue()
    {
        await CreateAsync();

        await Contract.ThrowsAsync<ValidationException>(() => Store.ListAsync(new IssueQuery { ContinuationToken = "not-a-token" }), "list rejects a continuation token it did not issue");
    }

    [Fact]
    public async Task List_of_empty_store_returns_one_empty_last_page()
    {
        var page = await Store.ListAsync(new IssueQuery());

        Contract.Empty(page.Items, "list of empty store returns one empty last page (checked: page.Items)");
        Contract.Null(page.ContinuationToken, "list of empty store returns one empty last page (checked: page.ContinuationToken)");
    }

    [Fact]
    public async Task Pre_cancelled_token_is_honoured()
    {
        var id = (await Store.CreateAsync(Draft(key: "key-c"))).Issue.Id;

        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.CreateAsync(Draft(), CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.FindAsync(id, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetAsync(id, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.FindByIdempotencyKeyAsync("key-c", CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.ClaimNextAsync("w1", Lease, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.ListAsync(new IssueQuery(), CancelledToken), "pre cancelled token is honoured");
        Contract.Single(await ListAllAsync(), "pre cancelled token is honoured (checked: await ListAllAsync())");
        var issue = await Store.GetAsync(id);
        Contract.Equal(IssueState.Pending, issue.Status.State, "pre cancelled token is honoured (checked: issue.Status.State)");
        Contract.Equal(0, issue.Attempts, "pre cancelled token is honoured (checked: issue.Attempts)");
    }

    [Fact]
    public async Task Pre_cancelled_token_is_honoured_by_the_lease_holders_transitions()
    {
        var id = await CreateAsync();
        var claimed = await Store.ClaimNextAsync("w1", Lease);
        Time.Advance(TimeSpan.FromSeconds(5));

        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.RenewLeaseAsync(id, "w1", Lease, CancelledToken), "pre cancelled token is honoured by the lease holders transitions");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.CompleteAsync(id, "w1", IssueStatus.Rejected("no"), CancelledToken), "pre cancelled token is honoured by the lease holders transitions");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.ReleaseAsync(id, "w1", Time.GetUtcNow() + Lease, "boom", CancelledToken), "pre cancelled token is honoured by the lease holders transitions");

        var issue = await Store.GetAsync(id);
        Contract.Equal(IssueState.Running, issue.Status.State, "pre cancelled token is honoured by the lease holders transitions (checked: issue.Status.State)");
        Contract.Equal("w1", issue.LeaseOwner, "pre cancelled token is honoured by the lease holders transitions (checked: issue.LeaseOwner)");
        Contract.Equal(claimed?.LeaseExpiresAt, issue.LeaseExpiresAt, "pre cancelled token is honoured by the lease holders transitions (checked: issue.LeaseExpiresAt)");
        Contract.Equal(claimed?.UpdatedAt, issue.UpdatedAt, "pre cancelled token is honoured by the lease holders transitions (checked: issue.UpdatedAt)");
        Contract.Null(issue.LastError, "pre cancelled token is honoured by the lease holders transitions (checked: issue.LastError)");
        Contract.Null(issue.NotBefore, "pre cancelled token is honoured by the lease holders transitions (checked: issue.NotBefore)");
        Contract.Equal(1, issue.Attempts, "pre cancelled token is honoured by the lease holders transitions (checked: issue.Attempts)");
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
