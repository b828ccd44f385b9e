using IssueCore.Adapters.Sqlite;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class RequeueUpgradeTests
{
    [Fact]
    public async Task A_file_of_schema_3_upgrades_in_place_keeping_its_dead_letter_and_log_entry_and_then_requeues()
    {
        await using var temp = new TempDatabase();
        foreach (var name in new[] { "0001_initial", "0002_council_run_owner", "0003_claim_by_series" })
        {
            await temp.ExecuteAsync(ReadMigration(name));
        }

        await temp.ExecuteAsync(
            "PRAGMA user_version = 3;" +
            "INSERT INTO issues (id, blueprint_id, intent, bump, title, priority, labels, state, reason, attempts, created_at, updated_at) " +
            "VALUES ('issue:old', 'orders', 'change it', 0, '', 1, '[]', 'failed', 'retry budget spent', 5, 1000, 2000);" +
            "INSERT INTO enhance_log (issue_id, blueprint_id, intent, rationale, verdicts, outcome, reasons, timestamp) " +
            "VALUES ('issue:old', 'orders', 'change it', 'dead', '[]', 'failed', '[\"retry budget spent\"]', 2000);");

        var database = temp.Open();
        IIssueStore issues = new SqliteIssueStore(database);
        IEnhanceLogStore log = new SqliteEnhanceLogStore(database);
        var id = IssueId.Parse("issue:old");

        var before = await issues.GetAsync(id);
        Assert.Equal(SqliteSchema.LatestVersion, await database.GetSchemaVersionAsync());
        Assert.Equal(IssueStatus.Failed("retry budget spent"), before.Status);
        Assert.Equal(0, before.Round);
        Assert.Equal(0, (await log.GetAsync(id)).Round);

        var requeued = await issues.RequeueAsync(id, "op");
        var claimed = await issues.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));
        await log.AppendAsync((await log.GetAsync(id)) with { Round = 1, Outcome = EnhanceOutcome.Rejected, Timestamp = DateTimeOffset.UnixEpoch.AddDays(1) });

        Assert.True(requeued.Requeued);
        Assert.Equal(6, claimed?.Attempts);
        Assert.Equal(1, claimed?.RoundAttempts);
        Assert.Equal(1, (await log.GetAsync(id)).Round);
        Assert.Equal(2, await temp.ScalarAsync<int>("SELECT count(*) FROM enhance_log WHERE issue_id = 'issue:old';"));
        // The rebuilt log keeps its immutability triggers.
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => temp.ExecuteAsync("DELETE FROM enhance_log;"));
        Assert.Equal(2, await temp.ScalarAsync<int>("SELECT count(*) FROM enhance_log;"));
    }

    internal static string ReadMigration(string name)
    {
        using var stream = typeof(SqliteSchema).Assembly.GetManifestResourceStream($"IssueCore.Adapters.Sqlite.Schema.{name}.sql")
            ?? throw new InvalidOperationException($"No embedded migration '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
