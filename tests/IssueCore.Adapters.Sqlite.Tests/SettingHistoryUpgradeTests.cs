using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Enhance;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class SettingHistoryUpgradeTests
{
    // The schema the released store writes: its migrations, its version, and a setting row as its store stores it.
    private static readonly string[] ReleasedMigrations = ["0001_initial", "0002_council_run_owner", "0003_claim_by_series", "0004_council_events_in_append_order", "0005_requeue"];

    [Fact]
    public async Task A_file_of_the_released_schema_upgrades_in_place_keeping_its_setting_as_the_first_history_entry()
    {
        await using var temp = new TempDatabase();
        foreach (var name in ReleasedMigrations)
        {
            await temp.ExecuteAsync(ReadMigration(name));
        }

        var updatedAt = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
        await temp.ExecuteAsync(
            $"PRAGMA user_version = {ReleasedMigrations.Length};" +
            "INSERT INTO enhance_settings (setting_id, orbit_blueprint_id, selector, verifier_axes, ttl_ticks, updated_at) " +
            $"VALUES ('default', 'enhance-default', 'semver:^1.2', '[\"des\",\"noop\"]', {TimeSpan.FromMinutes(2).Ticks}, {updatedAt.UtcTicks});");

        var database = temp.Open();
        IEnhanceSettingStore settings = new SqliteEnhanceSettingStore(database);

        var current = await settings.GetAsync(EnhanceSettingId.Default);
        Assert.Equal(SqliteSchema.LatestVersion, await database.GetSchemaVersionAsync());
        var upgraded = Assert.Single(await settings.GetHistoryAsync(EnhanceSettingId.Default));

        await settings.ChangeAsync(EnhanceSettingId.Default, current with { VerifierAxes = ["des"] }, "alice");
        var history = await settings.GetHistoryAsync(EnhanceSettingId.Default);

        Assert.Equal(BlueprintId.Parse("enhance-default"), current.OrbitBlueprintId);
        Assert.Equal(VersionSelector.SemverRange("^1.2"), current.Selector);
        Assert.Null(upgraded.ChangedBy);
        Assert.Equal(updatedAt, upgraded.ChangedAt);
        Assert.Equal(["des", "noop"], upgraded.Setting!.VerifierAxes);
        Assert.Equal(2, history.Count);
        Assert.Equal("alice", history[0].ChangedBy);
        Assert.Equal(["des"], history[0].Setting!.VerifierAxes);
        Assert.Equal(["des", "noop"], history[1].Setting!.VerifierAxes);
    }

    private static string ReadMigration(string name)
    {
        using var stream = typeof(SqliteSchema).Assembly.GetManifestResourceStream($"IssueCore.Adapters.Sqlite.Schema.{name}.sql")
            ?? throw new InvalidOperationException($"No embedded migration '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
