using System.Collections.Concurrent;
using IssueCore.Blueprints;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Issues;

public sealed class ConcurrentClaimTests : IAsyncLifetime
{
    private const int IssueCount = 2000;
    private const int Claimers = 4;

    private readonly PostgresTestSchema _schema = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Four_claimers_on_separate_data_sources_claim_each_of_2000_issues_exactly_once()
    {
        var seed = new PostgresIssueStore(await _schema.CreateDatabaseAsync(_time));
        var target = BlueprintId.Parse("orders");
        for (var i = 0; i < IssueCount; i++)
        {
            await seed.CreateAsync(new IssueDraft { BlueprintId = target, Intent = $"change {i}", Priority = (IssuePriority)(i % 3) });
        }

        var claimed = new ConcurrentBag<(IssueId Id, string Owner)>();
        var workers = Enumerable.Range(0, Claimers).Select(w => Task.Run(async () =>
        {
            var owner = $"host-{w}";
            var store = new PostgresIssueStore(_schema.NewDatabase(_time));
            while (await store.ClaimNextAsync(owner, TimeSpan.FromMinutes(5)) is { } issue)
            {
                claimed.Add((issue.Id, owner));
                await store.CompleteAsync(issue.Id, owner, IssueStatus.Rejected("done"));
            }
        }));
        await Task.WhenAll(workers);

        Assert.Equal(IssueCount, claimed.Count);
        Assert.Equal(IssueCount, claimed.Select(c => c.Id).Distinct().Count());
        Assert.Equal(IssueCount, await _schema.ScalarAsync<long>("SELECT count(*) FROM {schema}.issues WHERE state = 3 AND attempts = 1"));
    }

    [Fact]
    public async Task Claims_follow_priority_then_creation_order()
    {
        var store = new PostgresIssueStore(await _schema.CreateDatabaseAsync(_time));
        var target = BlueprintId.Parse("orders");
        var low = await store.CreateAsync(new IssueDraft { BlueprintId = target, Intent = "low", Priority = IssuePriority.Low });
        var high1 = await store.CreateAsync(new IssueDraft { BlueprintId = target, Intent = "high 1", Priority = IssuePriority.High });
        var medium = await store.CreateAsync(new IssueDraft { BlueprintId = target, Intent = "medium", Priority = IssuePriority.Medium });
        var high2 = await store.CreateAsync(new IssueDraft { BlueprintId = target, Intent = "high 2", Priority = IssuePriority.High });

        var order = new List<IssueId>();
        while (await store.ClaimNextAsync("w", TimeSpan.FromMinutes(1)) is { } issue)
        {
            order.Add(issue.Id);
        }

        Assert.Equal([high1.Issue.Id, high2.Issue.Id, medium.Issue.Id, low.Issue.Id], order);
    }

    [Fact]
    public async Task Lease_expiry_is_judged_by_the_injected_clock_not_the_database_clock()
    {
        // The fake clock is years away from the server's clock; claims must follow the fake one.
        var time = new FakeTimeProvider(new DateTimeOffset(2040, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new PostgresIssueStore(_schema.NewDatabase(time));
        var created = await store.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("b"), Intent = "x" });
        var first = await store.ClaimNextAsync("a", TimeSpan.FromSeconds(30));

        var whileLeased = await store.ClaimNextAsync("b", TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(30));
        var afterExpiry = await store.ClaimNextAsync("b", TimeSpan.FromSeconds(30));

        Assert.Equal(created.Issue.Id, first!.Id);
        Assert.Null(whileLeased);
        Assert.Equal(created.Issue.Id, afterExpiry!.Id);
        Assert.Equal(2, afterExpiry.Attempts);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(30), afterExpiry.LeaseExpiresAt);
    }
}
