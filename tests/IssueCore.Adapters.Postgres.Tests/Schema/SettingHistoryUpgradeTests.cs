using System.Globalization;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Schema;

public sealed class SettingHistoryUpgradeTests : IAsyncLifetime
{
    // The schema the released store writes: its migrations and a setting row as its store stores it.
    private static readonly string[] ReleasedMigrations = ["0001_initial", "0002_council_run_owner", "0003_claim_by_series", "0004_requeue", "0005_blueprint_ids_ordinal"];

    private readonly PostgresTestSchema _schema = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 9, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_schema_of_the_released_version_upgrades_in_place_keeping_its_setting_as_the_first_history_entry()
    {
        await _schema.ExecuteAsync("CREATE SCHEMA {schema}; CREATE TABLE {schema}.schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);");
        for (var i = 0; i < ReleasedMigrations.Length; i++)
        {
            await _schema.ExecuteAsync(ReadMigration(ReleasedMigrations[i]));
            await _schema.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"INSERT INTO {{schema}}.schema_migrations VALUES ({i + 1}, '{ReleasedMigrations[i]}', now())"));
        }

        await _schema.ExecuteAsync(
            "INSERT INTO {schema}.enhance_settings (id, setting, updated_at) VALUES ('default', "
            + "'{\"orbit_blueprint_id\":\"enhance-default\",\"selector\":{\"kind\":\"semver\",\"range\":\"^1.2\"},\"ttl_ticks\":1200000000,\"verifier_axes\":[\"des\",\"noop\"]}', "
            + "'2026-01-01T09:00:00Z');");

        var database = _schema.NewDatabase(_time);
        IEnhanceSettingStore settings = new PostgresEnhanceSettingStore(database);

        var current = await settings.GetAsync(EnhanceSettingId.Default);
        Assert.Equal(PostgresSchema.LatestVersion, await _schema.ScalarAsync<int>("SELECT max(version) FROM {schema}.schema_migrations"));
        var upgraded = Assert.Single(await settings.GetHistoryAsync(EnhanceSettingId.Default));

        await settings.ChangeAsync(EnhanceSettingId.Default, current with { VerifierAxes = ["des"] }, "alice");
        var history = await settings.GetHistoryAsync(EnhanceSettingId.Default);

        Assert.Equal(BlueprintId.Parse("enhance-default"), current.OrbitBlueprintId);
        Assert.Equal(VersionSelector.SemverRange("^1.2"), current.Selector);
        Assert.Null(upgraded.ChangedBy);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero), upgraded.ChangedAt);
        Assert.Equal(["des", "noop"], upgraded.Setting!.VerifierAxes);
        Assert.Equal(2, history.Count);
        Assert.Equal("alice", history[0].ChangedBy);
        Assert.Equal(_time.GetUtcNow(), history[0].ChangedAt);
        Assert.Equal(["des"], history[0].Setting!.VerifierAxes);
    }

    private static string ReadMigration(string name)
    {
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream($"IssueCore.Adapters.Postgres.Migrations.{name}.sql")
            ?? throw new InvalidOperationException($"No embedded migration '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
