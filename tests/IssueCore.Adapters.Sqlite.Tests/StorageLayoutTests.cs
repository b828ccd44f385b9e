using System.Globalization;
using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.Adapters.Sqlite.Tests;

/// <summary>The on-disk layout that keeps a dispatch's writes small: the page size of new files and the events table.</summary>
public sealed class StorageLayoutTests
{
    [Fact]
    public async Task A_new_database_file_gets_the_configured_page_size()
    {
        await using var small = new TempDatabase();
        await small.Open().MigrateAsync();
        await using var large = new TempDatabase();
        await large.Open(configure: o => o.PageSize = 4096).MigrateAsync();

        Assert.Equal(SqliteStoreOptions.DefaultPageSize, await small.ScalarAsync<long>("PRAGMA page_size;"));
        Assert.Equal(4096, await large.ScalarAsync<long>("PRAGMA page_size;"));
        Assert.Equal("wal", await small.ScalarAsync<string>("PRAGMA journal_mode;"));
    }

    [Fact]
    public async Task An_existing_file_keeps_its_page_size()
    {
        await using var temp = new TempDatabase();
        await temp.ExecuteAsync("PRAGMA page_size = 8192; CREATE TABLE unrelated (x INTEGER);");

        await temp.Open().MigrateAsync();

        Assert.Equal(8192, await temp.ScalarAsync<long>("PRAGMA page_size;"));
        Assert.Equal(SqliteSchema.LatestVersion, await temp.ScalarAsync<long>("PRAGMA user_version;"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    [InlineData(3000)]
    [InlineData(131072)]
    public void A_page_size_that_is_not_a_power_of_two_from_512_to_65536_is_refused(int pageSize)
    {
        var options = new SqliteStoreOptions { ConnectionString = "Data Source=x.db", PageSize = pageSize };

        var ex = Assert.Throws<ArgumentException>(() => new SqliteDatabase(options));

        Assert.Equal(nameof(SqliteStoreOptions.PageSize), ex.ParamName);
    }

    [Fact]
    public async Task A_store_at_schema_version_3_upgrades_in_place_and_keeps_its_runs_and_events()
    {
        await using var temp = new TempDatabase();
        foreach (var migration in SqliteSchema.Migrations.Where(m => m.Version <= 3))
        {
            await temp.ExecuteAsync(migration.Sql + string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {migration.Version};"));
        }

        await temp.ExecuteAsync(
            "INSERT INTO council_runs (run_id, flow_id, status, last_sequence, created_at, updated_at) VALUES ('old', 'f', 'interrupted', 3, 1, 1);" +
            "INSERT INTO council_events (run_id, sequence, wave, kind, node_id, payload, timestamp) VALUES " +
            "('old', 2, 0, 'step.completed', 'n0', '{\"output\":2}', 1), ('old', 1, 0, 'step.started', 'n0', '{}', 1), ('old', 3, 0, 'wave.completed', NULL, '{}', 1);");

        var repository = new SqliteCouncilRepository(temp.Open());
        var id = CouncilRunId.Parse("old");
        var before = await ListAsync(repository, id);
        await repository.AppendEventAsync(new CouncilRunEventDraft(id, 1, "step.started", "n1", JsonDocument.Parse("{}").RootElement));
        var after = await ListAsync(repository, id);

        Assert.Equal(SqliteSchema.LatestVersion, await temp.ScalarAsync<long>("PRAGMA user_version;"));
        Assert.Equal([1L, 2L, 3L], before.Select(e => e.Sequence));
        Assert.Equal(["step.started", "step.completed", "wave.completed"], before.Select(e => e.Kind));
        Assert.Equal(2, before[1].Payload.GetProperty("output").GetInt32());
        Assert.Equal([1L, 2L, 3L, 4L], after.Select(e => e.Sequence));
        Assert.Equal(0, await temp.ScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name IN ('council_events_v4', 'ix_council_events_wave');"));
    }

    [Fact]
    public async Task A_duplicate_event_sequence_is_still_refused_by_the_events_table()
    {
        const string Insert =
            "INSERT INTO council_event_batches (run_id, first_sequence, last_sequence, events, min_wave, max_wave, encoding, body_length, body) " +
            "VALUES ('r', 1, 1, 1, 0, 0, 0, 2, CAST('[]' AS BLOB));";
        await using var temp = new TempDatabase();
        await temp.Open().MigrateAsync();
        await temp.ExecuteAsync(Insert);

        var ex = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => temp.ExecuteAsync(Insert));

        Assert.Equal(19, ex.SqliteErrorCode); // SQLITE_CONSTRAINT
    }

    private static async Task<List<CouncilRunEvent>> ListAsync(ICouncilRepository repository, CouncilRunId id)
    {
        var list = new List<CouncilRunEvent>();
        await foreach (var e in repository.ListEventsAsync(id))
        {
            list.Add(e);
        }

        return list;
    }
}
