using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class WriteQueueTests
{
    [Fact]
    public async Task Writers_of_one_process_queue_for_the_write_lock_instead_of_failing_busy_even_with_a_zero_busy_timeout()
    {
        // A zero busy timeout makes any collision on SQLite's write lock an immediate failure, so every write
        // succeeding means the process's writers never asked SQLite for the lock at the same time.
        await using var temp = new TempDatabase();
        var database = temp.Open(configure: o => o.BusyTimeout = TimeSpan.Zero);
        var store = new SqliteIssueStore(database);
        await database.MigrateAsync();

        var created = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => store.CreateAsync(Samples.Draft()))));

        Assert.Equal(200, created.Select(c => c.Issue.Id).Distinct().Count());
        Assert.Equal(200, await temp.ScalarAsync<long>("SELECT count(*) FROM issues;"));
    }

    [Fact]
    public async Task A_writer_cancelled_while_queued_writes_nothing_and_the_queue_moves_on()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        var store = new SqliteIssueStore(database);
        await database.MigrateAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.CreateAsync(Samples.Draft(), cancelled.Token));
        await store.CreateAsync(Samples.Draft());

        Assert.Equal(1, await temp.ScalarAsync<long>("SELECT count(*) FROM issues;"));
    }

    [Fact]
    public async Task A_version_read_once_is_served_again_but_a_row_damaged_after_that_read_is_still_reported()
    {
        await using var temp = new TempDatabase();
        var store = new SqliteBlueprintStore(temp.Open());
        var v1 = await store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [], new CommitMetadata("a"));
        var first = await store.ReadHeadAsync(Samples.Series);
        var second = await store.ReadVersionAsync(Samples.Series, v1.Trace.Version);
        Assert.Same(first.Value, second.Value);

        await temp.ExecuteAsync("UPDATE blueprint_versions SET content = replace(content, '\"n\":1', '\"n\":9');");

        var head = await Assert.ThrowsAsync<StorageException>(() => store.ReadHeadAsync(Samples.Series));
        Assert.Contains(v1.Trace.Version.Value, head.Message, StringComparison.Ordinal);
        await temp.ExecuteAsync("UPDATE blueprint_versions SET content = ' ' || replace(content, '\"n\":9', '\"n\":1');");
        var spaced = await Assert.ThrowsAsync<StorageException>(() => store.ReadHeadAsync(Samples.Series));
        Assert.Contains("canonical", spaced.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_claim_that_finds_every_pending_series_busy_returns_without_waiting_for_a_writer_of_the_process()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        var store = new SqliteIssueStore(database);
        await database.MigrateAsync();
        var first = await store.CreateAsync(Samples.Draft() with { BlueprintId = BlueprintId.Parse("orders") });
        await store.CreateAsync(Samples.Draft() with { BlueprintId = BlueprintId.Parse("orders") });
        Assert.Equal(first.Issue.Id, (await store.ClaimNextBySeriesAsync("a", TimeSpan.FromMinutes(5)))?.Id);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = database.WriteAsync("Holding the write lock", async (_, _) => { holding.SetResult(); await release.Task; return 0; }, CancellationToken.None);
        await holding.Task;

        // The other pending issue's series is leased by "a": nothing is claimable, and the claim says so while the
        // writer still holds the lock (without the read first it would queue behind the writer until the bound).
        var claim = store.ClaimNextBySeriesAsync("b", TimeSpan.FromMinutes(5));
        var finished = await Task.WhenAny(claim, Task.Delay(TimeSpan.FromMinutes(1), TimeProvider.System));
        release.SetResult();
        await writer;

        Assert.Same(claim, finished);
        Assert.Null(await claim);
        Assert.Equal(1, await temp.ScalarAsync<long>("SELECT count(*) FROM issues WHERE state = 'pending';"));
    }

    [Fact]
    public async Task A_claim_that_finds_a_candidate_while_a_writer_holds_the_lock_queues_and_claims_it()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        var store = new SqliteIssueStore(database);
        await database.MigrateAsync();
        var created = await store.CreateAsync(Samples.Draft());
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = database.WriteAsync("Holding the write lock", async (_, _) => { holding.SetResult(); await release.Task; return 0; }, CancellationToken.None);
        await holding.Task;

        var claim = store.ClaimNextBySeriesAsync("b", TimeSpan.FromMinutes(5));
        release.SetResult();
        await writer;

        Assert.Equal(created.Issue.Id, (await claim)?.Id);
    }
}
