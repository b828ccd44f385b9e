using System.Diagnostics;
using IssueCore.Adapters.Sqlite;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite.Tests;

/// <summary>
/// Cancellation once a call is running: Microsoft.Data.Sqlite runs its async methods synchronously
/// and ignores the token after they start, so the database interrupts the connection itself.
/// </summary>
public sealed class CancellationTests
{
    // Far below the 30 s busy timeout the stores use here, far above any scheduling delay.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan CancelAfter = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_create_waiting_for_the_write_lock_ends_with_OperationCanceled_when_cancelled_and_writes_nothing()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        IIssueStore store = new SqliteIssueStore(database);
        await database.MigrateAsync();
        await using var blocker = await HoldWriteLockAsync(temp);
        using var cts = new CancellationTokenSource(CancelAfter);

        var elapsed = await AssertCancelledWithinGuardAsync(() => store.CreateAsync(Samples.Draft("blocked"), cts.Token));

        Assert.True(elapsed < Guard, $"The cancelled call took {elapsed}.");
        await ReleaseAsync(blocker);
        Assert.Null(await store.FindByIdempotencyKeyAsync("blocked"));
        Assert.Empty((await store.ListAsync(new IssueQuery())).Items);
        Assert.True((await store.CreateAsync(Samples.Draft("after"))).Created);
    }

    [Fact]
    public async Task A_claim_waiting_for_the_write_lock_ends_with_OperationCanceled_when_cancelled_and_claims_nothing()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        IIssueStore store = new SqliteIssueStore(database);
        var id = (await store.CreateAsync(Samples.Draft())).Issue.Id;
        await using var blocker = await HoldWriteLockAsync(temp);
        using var cts = new CancellationTokenSource(CancelAfter);

        await AssertCancelledWithinGuardAsync(() => store.ClaimNextAsync("w1", TimeSpan.FromMinutes(1), cts.Token));

        await ReleaseAsync(blocker);
        var issue = await store.GetAsync(id);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        Assert.Equal(0, issue.Attempts);
        Assert.Null(issue.LeaseOwner);
        var claimed = await store.ClaimNextAsync("w2", TimeSpan.FromMinutes(1));
        Assert.Equal(id, claimed?.Id);
        Assert.Equal(1, claimed?.Attempts);
    }

    [Fact]
    public async Task A_long_running_statement_is_interrupted_when_cancelled_and_the_database_keeps_working()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        IIssueStore store = new SqliteIssueStore(database);
        await database.MigrateAsync();
        // A statement that would run for minutes: only sqlite3_interrupt can stop it. On a loaded machine the token
        // can fire before the statement starts (a plain cancellation, no interrupt to observe), so the wait grows
        // until the cancellation lands inside the running statement.
        OperationCanceledException ex = null!;
        foreach (var delay in new[] { CancelAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5) })
        {
            using var cts = new CancellationTokenSource(delay);
            ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() => database.ReadAsync(
                "Counting forever",
                async (session, ct) => await session.Command("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;").ExecuteScalarAsync(ct),
                cts.Token)).WaitAsync(Guard));
            if (ex.InnerException is not null)
            {
                break;
            }
        }

        var provider = Assert.IsType<SqliteException>(ex.InnerException);
        Assert.Equal(9, provider.SqliteErrorCode);
        Assert.True((await store.CreateAsync(Samples.Draft())).Created);
        Assert.Single((await store.ListAsync(new IssueQuery())).Items);
    }

    [Fact]
    public async Task A_write_interrupted_inside_its_transaction_is_rolled_back_and_the_database_keeps_working()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        IIssueStore store = new SqliteIssueStore(database);
        await database.MigrateAsync();
        using var cts = new CancellationTokenSource(CancelAfter);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() => database.WriteAsync(
            "Inserting forever",
            async (session, ct) =>
            {
                await session.ExecuteAsync("INSERT INTO enhance_settings (setting_id, orbit_blueprint_id, selector, verifier_axes, ttl_ticks, updated_at) VALUES ('half-written', 'flow', 'latest', '[]', 1, 0);", ct);
                return await session.Command("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;").ExecuteScalarAsync(ct);
            },
            cts.Token)).WaitAsync(Guard));

        Assert.Equal(0, await temp.ScalarAsync<int>("SELECT count(*) FROM enhance_settings;"));
        Assert.True((await store.CreateAsync(Samples.Draft())).Created);
    }

    private static async Task<TimeSpan> AssertCancelledWithinGuardAsync(Func<Task> call)
    {
        var watch = Stopwatch.StartNew();

        // The provider runs synchronously on the calling thread, so the call gets a thread of its own.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(call).WaitAsync(Guard));
        return watch.Elapsed;
    }

    private static async Task<SqliteConnection> HoldWriteLockAsync(TempDatabase temp)
    {
        var blocker = await temp.OpenRawAsync();
        using var begin = blocker.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE;";
        await begin.ExecuteNonQueryAsync();
        return blocker;
    }

    private static async Task ReleaseAsync(SqliteConnection blocker)
    {
        using var rollback = blocker.CreateCommand();
        rollback.CommandText = "ROLLBACK;";
        await rollback.ExecuteNonQueryAsync();
    }
}
