using IssueCore.Blueprints;
using IssueCore.Samples.Spawner;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Tests;

public sealed class SpawnerSampleTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("issuecore-spawner-sample-");

    private string DatabasePath => Path.Combine(_directory.FullName, "spawner.db");

    [Fact]
    public async Task Intent_only_issue_is_turned_into_an_applied_change_by_the_deterministic_spawner()
    {
        var output = new StringWriter();

        var exit = await SpawnerSampleApp.RunAsync(["--db", DatabasePath], output);

        Assert.Equal(0, exit);
        var text = output.ToString();
        Assert.Contains("(no patch)", text, StringComparison.Ordinal);
        Assert.Contains(": Applied.", text, StringComparison.Ordinal);
        Assert.Contains("Enhance log: Applied; rationale: hand 'orders' over from team-a to team-b", text, StringComparison.Ordinal);

        // The change is in the SQLite file: a second version whose owner is team-b.
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true).UseSqlite(new SqliteConnectionStringBuilder { DataSource = DatabasePath }.ToString());
        await using (var provider = services.BuildServiceProvider())
        {
            var head = (await provider.GetRequiredService<IBlueprintStore>().ReadHeadAsync(SpawnerSampleApp.Target)).Value;
            Assert.Equal("team-b", head.Root.GetProperty("metadata").GetProperty("owner").GetString());
            Assert.Equal("1.0.1", head.VersionLabel);
        }

        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Second_run_on_the_same_database_is_rejected_by_the_spawner_and_changes_nothing()
    {
        await SpawnerSampleApp.RunAsync(["--db", DatabasePath], new StringWriter());
        var output = new StringWriter();

        var exit = await SpawnerSampleApp.RunAsync(["--db", DatabasePath], output);

        Assert.Equal(1, exit);
        Assert.Contains("already owned by team-b", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }
}
