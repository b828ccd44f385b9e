using System.Globalization;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Schema;

public sealed class TraceabilityUpgradeTests : IAsyncLifetime
{
    private readonly PostgresTestSchema _schema = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_schema_at_version_5_upgrades_in_place_keeping_its_rows_and_then_records_runs()
    {
        // The schema the previous release installs: migrations 1 to 5, with one issue, one log entry and one run in it.
        await _schema.ExecuteAsync("CREATE SCHEMA {schema}; CREATE TABLE {schema}.schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);");
        var names = new[] { "0001_initial", "0002_council_run_owner", "0003_claim_by_series", "0004_requeue", "0005_blueprint_ids_ordinal" };
        for (var i = 0; i < names.Length; i++)
        {
            await _schema.ExecuteAsync(RequeueUpgradeTests.ReadMigration(names[i]));
            await _schema.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"INSERT INTO {{schema}}.schema_migrations VALUES ({i + 1}, '{names[i]}', now())"));
        }

        await _schema.ExecuteAsync(
            "INSERT INTO {schema}.issues (id, blueprint_id, intent, bump, title, priority, labels, state, attempts, created_at, updated_at) "
            + "VALUES ('issue:old', 'orders', 'change it', 0, '', 1, '{}', 0, 0, now(), now());"
            + "INSERT INTO {schema}.enhance_log (issue_id, blueprint_id, intent, rationale, verdicts, outcome, reasons, logged_at) "
            + "VALUES ('issue:logged', 'orders', 'change it', 'done', '[]', 1, '{}', now());"
            + "INSERT INTO {schema}.council_runs (id, flow_id, subject, status, created_at, updated_at) "
            + "VALUES ('run-old', 'enhance-default', 'issue:issue:old', 3, now(), now());");

        var database = _schema.NewDatabase(_time);
        IIssueStore issues = new PostgresIssueStore(database);
        IEnhanceLogStore log = new PostgresEnhanceLogStore(database);
        ICouncilRepository runs = new PostgresCouncilRepository(database);
        var id = IssueId.Parse("issue:old");

        var before = await issues.GetAsync(id);
        Assert.Equal(PostgresSchema.LatestVersion, await _schema.ScalarAsync<int>("SELECT max(version) FROM {schema}.schema_migrations"));
        Assert.Null(before.TargetRepo);
        Assert.Null(before.TraceParent);
        Assert.Null(before.RunId);
        Assert.Null((await log.GetAsync(IssueId.Parse("issue:logged"))).RunId);
        Assert.Equal("run-old", Assert.Single(await runs.ListRunsBySubjectAsync(CouncilRunSubjects.ForIssue(id)).ToListAsync()).Id.Value);

        var claimed = await issues.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));
        var recorded = await issues.RecordRunUnderLeaseAsync(IssueLease.Of(claimed!), CouncilRunId.Parse("run-new"));

        Assert.Equal("run-new", recorded.RunId?.Value);
        Assert.Equal("run-new", (await issues.GetAsync(id)).RunId?.Value);
    }
}
