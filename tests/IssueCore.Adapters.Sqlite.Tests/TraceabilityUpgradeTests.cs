using IssueCore.Adapters.Sqlite;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class TraceabilityUpgradeTests
{
    [Fact]
    public async Task A_file_of_schema_5_upgrades_in_place_keeping_its_rows_and_then_records_runs_and_trace()
    {
        // The schema the previous release installs: migrations 1 to 5, with one issue, one log entry and one run in it.
        await using var temp = new TempDatabase();
        foreach (var name in new[] { "0001_initial", "0002_council_run_owner", "0003_claim_by_series", "0004_council_events_in_append_order", "0005_requeue" })
        {
            await temp.ExecuteAsync(RequeueUpgradeTests.ReadMigration(name));
        }

        await temp.ExecuteAsync(
            "PRAGMA user_version = 5;" +
            "INSERT INTO issues (id, blueprint_id, intent, bump, title, priority, labels, state, attempts, created_at, updated_at) " +
            "VALUES ('issue:old', 'orders', 'change it', 0, '', 1, '[]', 'pending', 0, 1000, 1000);" +
            "INSERT INTO enhance_log (issue_id, blueprint_id, intent, rationale, verdicts, outcome, reasons, timestamp) " +
            "VALUES ('issue:logged', 'orders', 'change it', 'done', '[]', 'rejected', '[]', 2000);" +
            "INSERT INTO council_runs (run_id, flow_id, subject, status, created_at, updated_at) " +
            "VALUES ('run-old', 'enhance-default', 'issue:issue:old', 'completed', 1000, 1000);");

        var database = temp.Open();
        IIssueStore issues = new SqliteIssueStore(database);
        IEnhanceLogStore log = new SqliteEnhanceLogStore(database);
        ICouncilRepository runs = new SqliteCouncilRepository(database);
        var id = IssueId.Parse("issue:old");

        var before = await issues.GetAsync(id);
        Assert.Equal(SqliteSchema.LatestVersion, await database.GetSchemaVersionAsync());
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
