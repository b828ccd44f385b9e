using System.Globalization;
using IssueCore.Adapters.Sqlite;
using IssueCore.Issues;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class SchemaTests
{
    [Fact]
    public async Task Migrating_an_empty_file_installs_the_latest_schema_in_WAL_mode()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();

        await database.MigrateAsync();

        Assert.Equal(SqliteSchema.LatestVersion, await database.GetSchemaVersionAsync());
        Assert.Equal("wal", await temp.ScalarAsync<string>("PRAGMA journal_mode;"));
        Assert.Equal(1, await temp.ScalarAsync<int>("SELECT count(*) FROM sqlite_master WHERE name = 'issues';"));
    }

    [Fact]
    public async Task Reopening_an_existing_file_keeps_its_data_and_schema_version()
    {
        await using var temp = new TempDatabase();
        var first = temp.Open();
        var created = await new SqliteIssueStore(first).CreateAsync(Samples.Draft("k1"));
        await first.DisposeAsync();

        var second = temp.Open();
        var found = await new SqliteIssueStore(second).FindByIdempotencyKeyAsync("k1");

        Assert.Equal(created.Issue.Id, found?.Id);
        Assert.Equal(SqliteSchema.LatestVersion, await second.GetSchemaVersionAsync());
    }

    [Fact]
    public async Task A_file_written_by_a_newer_schema_is_refused_and_left_unchanged()
    {
        await using var temp = new TempDatabase();
        await temp.Open().MigrateAsync();
        var newer = SqliteSchema.LatestVersion + 1;
        await temp.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {newer};"));

        var reopened = temp.Open();
        var ex = await Assert.ThrowsAsync<StorageException>(() => new SqliteIssueStore(reopened).FindAsync(IssueId.Parse("x")));

        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
        Assert.Contains(newer.ToString(CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Equal(newer, await temp.ScalarAsync<int>("PRAGMA user_version;"));
    }

    [Fact]
    public async Task The_DBA_script_installs_a_schema_the_stores_accept_without_migrating()
    {
        await using var temp = new TempDatabase();
        await temp.ExecuteAsync(SqliteSchema.GetScript());

        var database = temp.Open(configure: o => o.AutoMigrate = false);
        var result = await new SqliteIssueStore(database).CreateAsync(Samples.Draft());

        Assert.True(result.Created);
        Assert.Equal(SqliteSchema.LatestVersion, await temp.ScalarAsync<int>("PRAGMA user_version;"));
        Assert.Equal("wal", await temp.ScalarAsync<string>("PRAGMA journal_mode;"));
    }

    [Fact]
    public async Task Without_auto_migration_an_empty_file_is_refused()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open(configure: o => o.AutoMigrate = false);

        var ex = await Assert.ThrowsAsync<StorageException>(() => database.MigrateAsync());

        Assert.Contains("GetScript", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_database_objects_migrating_one_file_at_once_all_succeed()
    {
        await using var temp = new TempDatabase();
        var databases = Enumerable.Range(0, 6).Select(_ => temp.Open()).ToArray();

        await Task.WhenAll(databases.Select(d => Task.Run(() => d.MigrateAsync())));

        Assert.Equal(SqliteSchema.LatestVersion, await temp.ScalarAsync<int>("PRAGMA user_version;"));
        Assert.Equal(1, await temp.ScalarAsync<int>("SELECT count(*) FROM sqlite_master WHERE name = 'blueprint_versions';"));
    }

    [Fact]
    public void The_script_from_the_latest_version_holds_no_migration()
    {
        var script = SqliteSchema.GetScript(SqliteSchema.LatestVersion);

        Assert.DoesNotContain("CREATE TABLE", script, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => SqliteSchema.GetScript(SqliteSchema.LatestVersion + 1));
    }
}
