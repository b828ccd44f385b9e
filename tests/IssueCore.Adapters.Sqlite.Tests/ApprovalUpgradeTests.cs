using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class ApprovalUpgradeTests
{
    private static readonly string[] MainMigrations = ["0001_initial", "0002_council_run_owner", "0003_claim_by_series", "0004_council_events_in_append_order", "0005_requeue"];

    [Fact]
    public async Task A_file_of_schema_5_upgrades_in_place_keeping_its_rows_and_extra_columns_and_then_parks_an_issue_for_approval()
    {
        await using var temp = new TempDatabase();
        foreach (var name in MainMigrations)
        {
            await temp.ExecuteAsync(ReadMigration(name));
        }

        // Rows as the code of schema 5 writes them, and a column another migration may have added to issues first.
        await temp.ExecuteAsync(
            "PRAGMA user_version = 5;" +
            "ALTER TABLE issues ADD COLUMN extra_from_elsewhere TEXT NULL;" +
            "INSERT INTO issues (id, blueprint_id, intent, bump, title, priority, labels, state, attempts, created_at, updated_at, extra_from_elsewhere) " +
            "VALUES ('issue:pending', 'orders', 'change it', 0, '', 1, '[]', 'pending', 0, 1000, 1000, 'kept');" +
            "INSERT INTO issues (id, blueprint_id, intent, bump, title, priority, labels, state, reason, attempts, created_at, updated_at) " +
            "VALUES ('issue:old', 'orders', 'change it', 0, '', 1, '[]', 'rejected', 'des: denied', 1, 900, 2000);" +
            "INSERT INTO enhance_log (issue_id, blueprint_id, intent, rationale, verdicts, outcome, reasons, timestamp) " +
            "VALUES ('issue:old', 'orders', 'change it', 'r', '[]', 'rejected', '[\"des: denied\"]', 2000);" +
            "INSERT INTO enhance_settings (setting_id, orbit_blueprint_id, selector, verifier_axes, ttl_ticks, updated_at) " +
            "VALUES ('default', 'enhance-default', 'latest', '[\"des\"]', 600000000, 1000);");

        var database = temp.Open();
        IIssueStore issues = new SqliteIssueStore(database);
        IEnhanceLogStore log = new SqliteEnhanceLogStore(database);
        IEnhanceSettingStore settings = new SqliteEnhanceSettingStore(database);

        Assert.False((await settings.GetAsync(EnhanceSettingId.Default)).RequireApproval);
        Assert.Equal(SqliteSchema.LatestVersion, await database.GetSchemaVersionAsync());
        var old = await log.GetAsync(IssueId.Parse("issue:old"));
        Assert.Null(old.Approver);
        Assert.Null(old.ApprovalNote);
        Assert.Equal(IssueStatus.Rejected("des: denied"), (await issues.GetAsync(IssueId.Parse("issue:old"))).Status);

        var claimed = await issues.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));
        Assert.Equal(IssueId.Parse("issue:pending"), claimed!.Id);
        var proposed = Blueprint.Parse("""{"id":"orders","limits":{"max":10}}""");
        await issues.AwaitApprovalUnderLeaseAsync(IssueLease.Of(claimed), new IssueApproval
        {
            IssueId = claimed.Id,
            PreviousVersion = BlueprintVersion.Parse(new string('a', 64)),
            Proposed = proposed,
            Rationale = "r",
            EpochStartedAt = DateTimeOffset.UnixEpoch,
            RequestedAt = DateTimeOffset.UnixEpoch,
            ExpiresAt = DateTimeOffset.UnixEpoch.AddDays(7),
        });

        var waiting = await issues.ListAsync(new IssueQuery { State = IssueState.AwaitingApproval });
        Assert.Equal(claimed.Id, Assert.Single(waiting.Items).Id);
        Assert.Equal(proposed.Version, (await issues.FindApprovalAsync(claimed.Id))!.Proposed.Version);
        Assert.Equal("kept", await temp.ScalarAsync<string>("SELECT extra_from_elsewhere FROM issues WHERE id = 'issue:pending';"));
        Assert.Equal("ok", await temp.ScalarAsync<string>("PRAGMA integrity_check;"));

        // A fresh connection sees the widened check, which still refuses an unknown state.
        await temp.ExecuteAsync("UPDATE issues SET state = 'awaiting_approval' WHERE id = 'issue:old';");
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => temp.ExecuteAsync("UPDATE issues SET state = 'bogus' WHERE id = 'issue:old';"));
    }

    [Fact]
    public void The_script_for_a_dba_upgrades_from_schema_5_with_the_approval_step()
    {
        var script = SqliteSchema.GetScript(5);

        Assert.Contains("awaiting_approval", script, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE issue_approvals", script, StringComparison.Ordinal);
        Assert.Contains("PRAGMA writable_schema = RESET;", script, StringComparison.Ordinal);
    }

    private static string ReadMigration(string name)
    {
        using var stream = typeof(SqliteSchema).Assembly.GetManifestResourceStream($"IssueCore.Adapters.Sqlite.Schema.{name}.sql")
            ?? throw new InvalidOperationException($"No embedded migration '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
