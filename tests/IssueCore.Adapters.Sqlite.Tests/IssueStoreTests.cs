using System.Collections.Concurrent;
using IssueCore.Adapters.Sqlite;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class IssueStoreTests : IAsyncLifetime
{
    private readonly TempDatabase _temp = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private SqliteIssueStore _store = null!;

    public Task InitializeAsync()
    {
        _store = new SqliteIssueStore(_temp.Open(_time));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task Create_with_the_same_idempotency_key_returns_the_first_issue()
    {
        var first = await _store.CreateAsync(Samples.Draft("evt-1"));
        var second = await _store.CreateAsync(Samples.Draft("evt-1") with { Intent = "something else" });

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Issue.Id, second.Issue.Id);
        Assert.Equal("add a step", second.Issue.Intent);
    }

    [Fact]
    public async Task Claims_take_highest_priority_first_then_creation_order()
    {
        var low = await _store.CreateAsync(Samples.Draft(priority: IssuePriority.Low));
        var medium1 = await _store.CreateAsync(Samples.Draft());
        var high = await _store.CreateAsync(Samples.Draft(priority: IssuePriority.High));
        var medium2 = await _store.CreateAsync(Samples.Draft());

        var order = new List<IssueId>();
        while (await _store.ClaimNextAsync("w", TimeSpan.FromMinutes(1)) is { } claimed)
        {
            order.Add(claimed.Id);
        }

        Assert.Equal([high.Issue.Id, medium1.Issue.Id, medium2.Issue.Id, low.Issue.Id], order);
    }

    [Fact]
    public async Task Claim_after_lease_expiry_returns_issue_to_another_worker_judged_by_the_time_provider()
    {
        var created = await _store.CreateAsync(Samples.Draft());
        var first = await _store.ClaimNextAsync("w1", TimeSpan.FromMinutes(5));

        Assert.Null(await _store.ClaimNextAsync("w2", TimeSpan.FromMinutes(5)));
        _time.Advance(TimeSpan.FromMinutes(5));
        var second = await _store.ClaimNextAsync("w2", TimeSpan.FromMinutes(5));

        Assert.Equal(created.Issue.Id, first?.Id);
        Assert.Equal(created.Issue.Id, second?.Id);
        Assert.Equal("w2", second?.LeaseOwner);
        Assert.Equal(2, second?.Attempts);
        await Assert.ThrowsAsync<ConflictException>(() => _store.CompleteAsync(created.Issue.Id, "w1", Samples.Applied));
    }

    [Fact]
    public async Task Lease_checks_distinguish_a_missing_issue_from_a_foreign_lease()
    {
        var created = await _store.CreateAsync(Samples.Draft());
        await _store.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<NotFoundException>(() => _store.RenewLeaseAsync(IssueId.Parse("nope"), "w1", TimeSpan.FromMinutes(1)));
        var conflict = await Assert.ThrowsAsync<ConflictException>(() => _store.RenewLeaseAsync(created.Issue.Id, "w2", TimeSpan.FromMinutes(1)));
        Assert.Equal("w2", conflict.Expected);
        Assert.Equal("w1", conflict.Actual);
        await Assert.ThrowsAsync<ConflictException>(() => _store.ReleaseAsync(created.Issue.Id, "w2", _time.GetUtcNow(), "x"));
    }

    [Fact]
    public async Task Renew_extends_the_lease_from_the_current_time()
    {
        var created = await _store.CreateAsync(Samples.Draft());
        await _store.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromSeconds(50));

        var renewed = await _store.RenewLeaseAsync(created.Issue.Id, "w1", TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(_time.GetUtcNow().AddSeconds(30), renewed.LeaseExpiresAt);
        Assert.Null(await _store.ClaimNextAsync("w2", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Release_keeps_the_issue_unclaimable_until_not_before_and_does_not_count_an_attempt()
    {
        var created = await _store.CreateAsync(Samples.Draft());
        await _store.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));
        var released = await _store.ReleaseAsync(created.Issue.Id, "w1", _time.GetUtcNow().AddMinutes(2), "disk full");

        Assert.Equal(IssueState.Pending, released.Status.State);
        Assert.Equal("disk full", released.LastError);
        Assert.Null(released.LeaseOwner);
        Assert.Equal(1, released.Attempts);
        Assert.Null(await _store.ClaimNextAsync("w2", TimeSpan.FromMinutes(1)));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(2, (await _store.ClaimNextAsync("w2", TimeSpan.FromMinutes(1)))?.Attempts);
    }

    [Fact]
    public async Task Complete_records_the_terminal_status_and_clears_the_lease()
    {
        var created = await _store.CreateAsync(Samples.Draft());
        await _store.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<ArgumentException>(() => _store.CompleteAsync(created.Issue.Id, "w1", IssueStatus.Pending));
        var done = await _store.CompleteAsync(created.Issue.Id, "w1", IssueStatus.Rejected("des: broken"));

        Assert.Equal(IssueStatus.Rejected("des: broken"), done.Status);
        Assert.Null(done.LeaseOwner);
        var found = await _store.FindAsync(created.Issue.Id);
        Assert.Equal(done.Status, found?.Status);
        Assert.Equal(done.UpdatedAt, found?.UpdatedAt);
        await Assert.ThrowsAsync<ConflictException>(() => _store.CompleteAsync(created.Issue.Id, "w1", Samples.Applied));
    }

    [Fact]
    public async Task Every_field_of_a_draft_round_trips()
    {
        var draft = new IssueDraft
        {
            Id = IssueId.Parse("issue-1"),
            BlueprintId = Samples.Series,
            Intent = "Ünïcode ✓ intent",
            Patch = System.Text.Json.JsonDocument.Parse("[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]").RootElement,
            Rationale = "why",
            Bump = VersionBump.Minor,
            Title = "title",
            Description = "desc",
            Priority = IssuePriority.High,
            Labels = ["a", "b"],
            DueAt = _time.GetUtcNow().AddDays(3),
            Source = new IssueSource(IssueSourceType.Instruction, "src", "evt", "act"),
            IdempotencyKey = "evt",
        };

        await _store.CreateAsync(draft);
        var found = await _store.FindAsync(draft.Id.Value);

        Assert.NotNull(found);
        Assert.Equal(draft.Intent, found.Intent);
        Assert.Equal(draft.Patch.Value.GetRawText(), found.Patch?.GetRawText());
        Assert.Equal((draft.Rationale, draft.Bump, draft.Title, draft.Description, draft.Priority), (found.Rationale, found.Bump, found.Title, found.Description, found.Priority));
        Assert.Equal(draft.Labels, found.Labels);
        Assert.Equal(draft.DueAt, found.DueAt);
        Assert.Equal(draft.Source, found.Source);
        Assert.Equal(IssueStatus.Pending, found.Status);
        Assert.Equal(_time.GetUtcNow(), found.CreatedAt);
    }

    [Fact]
    public async Task List_pages_by_key_in_creation_order_and_filters_by_state()
    {
        var ids = new List<IssueId>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await _store.CreateAsync(Samples.Draft())).Issue.Id);
        }

        await _store.ClaimNextAsync("w", TimeSpan.FromMinutes(1));
        var seen = new List<IssueId>();
        string? token = null;
        do
        {
            var page = await _store.ListAsync(new IssueQuery { Limit = 3, ContinuationToken = token });
            seen.AddRange(page.Items.Select(i => i.Id));
            token = page.ContinuationToken;
        }
        while (token is not null);
        var pending = await _store.ListAsync(new IssueQuery { State = IssueState.Pending });

        Assert.Equal(ids, seen);
        Assert.Equal(ids.Skip(1), pending.Items.Select(i => i.Id));
        Assert.Null(pending.ContinuationToken);
    }

    [Fact]
    public async Task Concurrent_claimers_in_one_process_claim_every_issue_exactly_once()
    {
        for (var i = 0; i < 200; i++)
        {
            await _store.CreateAsync(Samples.Draft());
        }

        var claims = new ConcurrentBag<IssueId>();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var owner = $"w{w}";
            while (await _store.ClaimNextAsync(owner, TimeSpan.FromMinutes(1)) is { } issue)
            {
                claims.Add(issue.Id);
                await _store.CompleteAsync(issue.Id, owner, Samples.Applied);
            }
        })));

        Assert.Equal(200, claims.Count);
        Assert.Equal(200, claims.Distinct().Count());
        Assert.Equal(200, await _temp.ScalarAsync<int>("SELECT count(*) FROM issues WHERE state = 'applied' AND attempts = 1;"));
    }

    [Fact]
    public async Task The_claim_statement_searches_the_claim_indexes_and_never_scans_the_table()
    {
        await _store.FindAsync(IssueId.Parse("warm-up"));

        var plan = await QueryPlan.ExplainAsync(_temp, SqliteIssueStore.ClaimSql, ("@owner", "w"), ("@expires", 0L), ("@now", 0L));

        Assert.Contains(plan, p => p.Contains("ix_issues_pending_claim", StringComparison.Ordinal));
        Assert.Contains(plan, p => p.Contains("ix_issues_running_claim", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, p => p.StartsWith("SCAN issues", StringComparison.Ordinal) && !p.Contains("INDEX", StringComparison.Ordinal));
    }
}
