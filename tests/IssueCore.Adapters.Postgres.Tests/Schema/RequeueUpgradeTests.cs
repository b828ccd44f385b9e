using System.Globalization;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Schema;

public sealed class RequeueUpgradeTests : IAsyncLifetime
{
    private readonly PostgresTestSchema _schema = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_schema_at_version_3_upgrades_in_place_keeping_its_dead_letter_and_log_entry_and_then_requeues()
    {
        await _schema.ExecuteAsync("CREATE SCHEMA {schema}; CREATE TABLE {schema}.schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);");
        var names = new[] { "0001_initial", "0002_council_run_owner", "0003_claim_by_series" };
        for (var i = 0; i < names.Length; i++)
        {
            await _schema.ExecuteAsync(ReadMigration(names[i]));
            await _schema.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"INSERT INTO {{schema}}.schema_migrations VALUES ({i + 1}, '{names[i]}', now())"));
        }

        await _schema.ExecuteAsync(
            "INSERT INTO {schema}.issues (id, blueprint_id, intent, bump, title, priority, labels, state, reason, attempts, created_at, updated_at) "
            + "VALUES ('issue:old', 'orders', 'change it', 0, '', 1, '{}', 4, 'retry budget spent', 5, now(), now());"
            + "INSERT INTO {schema}.enhance_log (issue_id, blueprint_id, intent, rationale, verdicts, outcome, reasons, logged_at) "
            + "VALUES ('issue:old', 'orders', 'change it', 'dead', '[]', 2, '{\"retry budget spent\"}', now());");

        var database = _schema.NewDatabase(_time);
        IIssueStore issues = new PostgresIssueStore(database);
        IEnhanceLogStore log = new PostgresEnhanceLogStore(database);
        var id = IssueId.Parse("issue:old");

        var before = await issues.GetAsync(id);
        Assert.Equal(PostgresSchema.LatestVersion, await _schema.ScalarAsync<int>("SELECT max(version) FROM {schema}.schema_migrations"));
        Assert.Equal(IssueStatus.Failed("retry budget spent"), before.Status);
        Assert.Equal(0, before.Round);
        Assert.Equal(0, (await log.GetAsync(id)).Round);

        var requeued = await issues.RequeueAsync(id, "op");
        var claimed = await issues.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));
        await log.AppendAsync((await log.GetAsync(id)) with { Round = 1, Outcome = EnhanceOutcome.Rejected, Timestamp = _time.GetUtcNow() });

        Assert.True(requeued.Requeued);
        Assert.Equal(6, claimed?.Attempts);
        Assert.Equal(1, claimed?.RoundAttempts);
        Assert.Equal(1, (await log.GetAsync(id)).Round);
        Assert.Equal(2L, await _schema.ScalarAsync<long>("SELECT count(*) FROM {schema}.enhance_log WHERE issue_id = 'issue:old'"));
        await Assert.ThrowsAsync<ConflictException>(() => log.AppendAsync(new EnhanceLogEntry
        {
            IssueId = id,
            BlueprintId = before.BlueprintId,
            Intent = "again",
            Rationale = "again",
            Outcome = EnhanceOutcome.Rejected,
            Timestamp = _time.GetUtcNow(),
            Round = 1,
        }));
    }

    internal static string ReadMigration(string name)
    {
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream($"IssueCore.Adapters.Postgres.Migrations.{name}.sql")
            ?? throw new InvalidOperationException($"No embedded migration '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
