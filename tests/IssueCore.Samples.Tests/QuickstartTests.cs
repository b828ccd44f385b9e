using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Samples.Quickstart;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Tests;

public sealed class QuickstartTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("issuecore-quickstart-");

    private string DatabasePath => Path.Combine(_directory.FullName, "issuecore.db");

    [Fact]
    public async Task Two_runs_on_a_fresh_database_seed_once_and_dispatch_a_new_batch_showing_every_outcome_each_time()
    {
        var first = new StringWriter();
        var second = new StringWriter();

        var firstExit = await QuickstartApp.RunAsync(["--db", DatabasePath], first);
        var afterFirst = await ReadLogAsync();
        var secondExit = await QuickstartApp.RunAsync(["--db", DatabasePath], second);
        var afterSecond = await ReadLogAsync();

        Assert.Equal(0, firstExit);
        Assert.Equal(0, secondExit);
        Assert.Contains("Seeded 'orders'", first.ToString(), StringComparison.Ordinal);
        Assert.Contains("already exists", second.ToString(), StringComparison.Ordinal);
        Assert.Contains("Ingested batch 2: 5 new issue(s).", second.ToString(), StringComparison.Ordinal);
        AssertEveryOutcome(afterFirst.Entries);
        Assert.Equal(afterFirst.Entries.Select(e => e.IssueId), afterSecond.Entries.Take(6).Select(e => e.IssueId)); // the first batch is never dispatched again
        AssertEveryOutcome(afterSecond.Entries.Skip(6).ToList());
        Assert.Equal(4, afterFirst.History.Count);
        Assert.Equal(7, afterSecond.History.Count);
        Assert.Equal([afterFirst.History[0].Version], afterSecond.History[2].Parents); // the second run builds on the first run's head
        foreach (var text in new[] { first.ToString(), second.ToString() })
        {
            Assert.Contains("Blueprint history of 'orders'", text, StringComparison.Ordinal);
            Assert.Contains("Enhance log of 'orders'", text, StringComparison.Ordinal);
            Assert.Contains("Dispatched 5: 2 applied, 3 rejected, 0 failed, 0 waiting for a retry.", text, StringComparison.Ordinal);
            Assert.Contains("waits for approval: it would commit", text, StringComparison.Ordinal);
            Assert.Contains("Approved by quickstart-operator: applied as", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Reset_deletes_the_database_and_starts_from_the_first_batch()
    {
        await QuickstartApp.RunAsync(["--db", DatabasePath], new StringWriter());
        var output = new StringWriter();

        var exit = await QuickstartApp.RunAsync(["--db", DatabasePath, "--reset"], output);

        Assert.Equal(0, exit);
        Assert.Contains("Ingested batch 1: 5 new issue(s).", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(6, (await ReadLogAsync()).Entries.Count);
    }

    [Fact]
    public async Task Help_lists_the_options_and_creates_no_database()
    {
        var output = new StringWriter();

        var exit = await QuickstartApp.RunAsync(["--db", DatabasePath, "--help"], output);

        Assert.Equal(0, exit);
        Assert.Contains("--db PATH", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--reset", output.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(DatabasePath));
    }

    [Fact]
    public async Task An_unknown_option_exits_with_usage_error_and_the_help_text()
    {
        var output = new StringWriter();

        var exit = await QuickstartApp.RunAsync(["--frobnicate"], output);

        Assert.Equal(2, exit);
        Assert.Contains("Unknown option '--frobnicate'", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--db PATH", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private static void AssertEveryOutcome(IReadOnlyList<EnhanceLogEntry> batch)
    {
        Assert.Equal(6, batch.Count);
        Assert.Equal(
            [EnhanceOutcome.Applied, EnhanceOutcome.Applied, EnhanceOutcome.Rejected, EnhanceOutcome.Rejected, EnhanceOutcome.Rejected, EnhanceOutcome.Applied],
            batch.Select(e => e.Outcome));
        Assert.Equal(ApprovalStep.Approver, batch[5].Approver); // the sixth waited for approval and was approved
        Assert.Null(batch[1].Approver);
        Assert.StartsWith("noop:", batch[2].Reasons[0], StringComparison.Ordinal);
        Assert.StartsWith("agent-ref:", batch[3].Reasons[0], StringComparison.Ordinal);
        Assert.StartsWith("patch:", batch[4].Reasons[0], StringComparison.Ordinal);
        Assert.Equal(batch[1].NewVersion, batch[2].PreviousVersion);
    }

    private async Task<(List<EnhanceLogEntry> Entries, IReadOnlyList<BlueprintCommit> History)> ReadLogAsync()
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true).UseSqlite($"Data Source={DatabasePath}");
        await using var provider = services.BuildServiceProvider();
        var entries = new List<EnhanceLogEntry>();
        await foreach (var entry in provider.GetRequiredService<IEnhanceLogStore>().ListAllAsync())
        {
            entries.Add(entry);
        }

        var history = await provider.GetRequiredService<IBlueprintStore>().HistoryAsync(BlueprintId.Parse("orders"), 100);
        return (entries, history);
    }
}
