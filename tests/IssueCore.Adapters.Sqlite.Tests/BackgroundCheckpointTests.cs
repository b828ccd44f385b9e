using System.Diagnostics.Metrics;
using IssueCore.Adapters.Sqlite;

namespace IssueCore.Adapters.Sqlite.Tests;

/// <summary>
/// WAL checkpoints run off the writers' path: past <see cref="SqliteStoreOptions.CheckpointThresholdBytes"/> of committed
/// WAL a background checkpoint copies it back, and the next writer starts the WAL over.
/// </summary>
public sealed class BackgroundCheckpointTests
{
    private const long Threshold = 64 * 1024;

    /// <summary>A description of about 2 KB: each issue then commits about 6.5 pages of 1 KB.</summary>
    private static readonly string LongDescription = new('d', 2000);

    [Fact]
    public async Task Commits_past_the_threshold_start_a_background_checkpoint_after_which_the_next_writer_starts_the_wal_over()
    {
        await using var temp = new TempDatabase();
        using var checkpoints = new CheckpointWatch(temp.FilePath);
        var (database, store) = await OpenAsync(temp);

        // Each of these issues commits about 6.5 pages of 1 KB: 12 of them cross the 64-page threshold once, and the
        // one or two after the crossing stay far below the next one, so exactly one checkpoint starts.
        await CreateIssuesAsync(store, 12);
        await checkpoints.First.WaitAsync(TimeSpan.FromSeconds(60));
        await store.CreateAsync(Samples.Draft());

        // The checkpoint reached the end of the WAL, so the last write started it over: the WAL holds that write only.
        var (framesInWal, _) = await WalFramesAsync(temp);
        Assert.InRange(framesInWal, 1, Threshold / SqliteStoreOptions.DefaultPageSize / 2);
        Assert.Equal(1, checkpoints.Count);
        Assert.Equal(13, await temp.ScalarAsync<long>("SELECT count(*) FROM issues;"));
    }

    [Fact]
    public async Task Concurrent_writers_lose_nothing_while_background_checkpoints_run_beside_them()
    {
        await using var temp = new TempDatabase();
        using var checkpoints = new CheckpointWatch(temp.FilePath);
        var (_, store) = await OpenAsync(temp, o => o.BusyTimeout = TimeSpan.Zero); // a collision on SQLite's write lock would fail a write at once

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => CreateIssuesAsync(store, 100))));
        await checkpoints.First.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(400, await temp.ScalarAsync<long>("SELECT count(*) FROM issues;"));
        Assert.Equal("ok", await temp.ScalarAsync<string>("PRAGMA integrity_check;"));
    }

    [Fact]
    public async Task With_background_checkpoints_off_the_writers_checkpoint_and_none_runs_in_the_background()
    {
        await using var temp = new TempDatabase();
        using var checkpoints = new CheckpointWatch(temp.FilePath);
        var (database, store) = await OpenAsync(temp, o => o.CheckpointInBackground = false);

        await CreateIssuesAsync(store, 60);
        await database.DisposeAsync(); // nothing can start after this

        Assert.Equal(0, checkpoints.Count);
        var (framesInWal, _) = await WalFramesAsync(temp);
        Assert.InRange(framesInWal, 0, 2 * Threshold / SqliteStoreOptions.DefaultPageSize); // SQLite's own checkpoint at the threshold
    }

    [Fact]
    public async Task Disposing_while_a_background_checkpoint_may_run_leaves_every_commit_readable()
    {
        await using var temp = new TempDatabase();
        var (database, store) = await OpenAsync(temp);

        await CreateIssuesAsync(store, 40);
        await database.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CreateAsync(Samples.Draft()));
        var reopened = new SqliteIssueStore(temp.Open());
        Assert.Equal(40, (await reopened.ListAsync(new IssueCore.Issues.IssueQuery { Limit = 100 })).Items.Count);
        Assert.Equal("ok", await temp.ScalarAsync<string>("PRAGMA integrity_check;"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64 * 1024 - 1)]
    [InlineData(1024L * 1024 * 1024 + 1)]
    public void A_checkpoint_threshold_outside_64_KB_to_1_GB_is_refused(long bytes)
    {
        var options = new SqliteStoreOptions { ConnectionString = "Data Source=x.db", CheckpointThresholdBytes = bytes };

        var ex = Assert.Throws<ArgumentException>(() => new SqliteDatabase(options));

        Assert.Equal(nameof(SqliteStoreOptions.CheckpointThresholdBytes), ex.ParamName);
    }

    /// <summary>A database on <paramref name="temp"/> checkpointing every <see cref="Threshold"/> bytes, migrated, and an issue store on it.</summary>
    private static async Task<(SqliteDatabase Database, SqliteIssueStore Store)> OpenAsync(TempDatabase temp, Action<SqliteStoreOptions>? configure = null)
    {
        var database = temp.Open(configure: o =>
        {
            o.CheckpointThresholdBytes = Threshold;
            configure?.Invoke(o);
        });
        await database.MigrateAsync();
        return (database, new SqliteIssueStore(database));
    }

    private static async Task CreateIssuesAsync(SqliteIssueStore store, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await store.CreateAsync(Samples.Draft() with { Description = LongDescription });
        }
    }

    /// <summary>The WAL's frames and how many of them are copied back into the database.</summary>
    private static async Task<(long Frames, long Backfilled)> WalFramesAsync(TempDatabase temp)
    {
        await using var probe = await temp.OpenRawAsync();
        using var command = probe.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await using var result = await command.ExecuteReaderAsync();
        Assert.True(await result.ReadAsync());
        return (result.GetInt64(1), result.GetInt64(2));
    }

    /// <summary>Counts the background checkpoints the IssueCore meter reports for one database file.</summary>
    private sealed class CheckpointWatch : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public CheckpointWatch(string file)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "IssueCore" && instrument.Name == "issuecore.sqlite.background_checkpoints")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "issuecore.sqlite.data_source" && Equals(tag.Value, file))
                    {
                        Interlocked.Add(ref _count, (int)value);
                        _first.TrySetResult();
                    }
                }
            });
            _listener.Start();
        }

        public Task First => _first.Task;

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
