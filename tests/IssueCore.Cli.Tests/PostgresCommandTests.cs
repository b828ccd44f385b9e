namespace IssueCore.Cli.Tests;

/// <summary>The tool against a real PostgreSQL server (ISSUECORE_POSTGRES), each test in a schema of its own.</summary>
public sealed class PostgresCommandTests
{
    private static string Server()
    {
        var server = Environment.GetEnvironmentVariable("ISSUECORE_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            // CI sets ISSUECORE_REQUIRE_SERVERS=1, so there the server can never be skipped silently.
            Assert.False(Environment.GetEnvironmentVariable("ISSUECORE_REQUIRE_SERVERS") == "1", "ISSUECORE_POSTGRES is not set.");
            Skip.If(true, "ISSUECORE_POSTGRES is not set.");
        }

        return server!;
    }

    [SkippableFact]
    public async Task Migrate_status_import_try_and_history_work_on_postgres()
    {
        var server = Server();
        using var dir = new TempDirectory();
        var schema = "cli_" + Guid.NewGuid().ToString("N")[..12];
        string[] store = ["--postgres", server, "--schema", schema];

        var before = await CliProcess.RunAsync(dir.Path, ["db", "status", "--json", .. store]);
        var migrate = await CliProcess.RunAsync(dir.Path, ["db", "migrate", "--json", .. store]);
        var after = await CliProcess.RunAsync(dir.Path, ["db", "status", "--json", .. store]);
        var import = await CliProcess.RunAsync(dir.Path, ["blueprint", "import", SeededStore.Example("orders.blueprint.json"), .. store]);
        var trial = await CliProcess.RunAsync(dir.Path, ["flow", "try", "--blueprint", "orders", "--patch", SeededStore.Example("owner.patch.json"), "--json", .. store]);
        var history = await CliProcess.RunAsync(dir.Path, ["blueprint", "history", "orders", "--json", .. store]);

        Assert.True(before.ExitCode == 1, before.ToString());
        Assert.Equal(0, (int)before.Json["version"]!);
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        Assert.Equal(Adapters.Postgres.PostgresSchema.LatestVersion, (int)migrate.Json["to"]!);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.True(trial.ExitCode == 0, trial.ToString());
        Assert.Equal("applied", (string?)trial.Json["outcome"]);
        Assert.Single(history.Json.AsArray());
        Assert.DoesNotContain("Password", migrate.Output + migrate.Error, StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task Commands_on_an_unmigrated_postgres_schema_are_a_store_error_that_names_the_schema()
    {
        var server = Server();
        using var dir = new TempDirectory();
        var schema = "cli_" + Guid.NewGuid().ToString("N")[..12];

        var r = await CliProcess.RunAsync(dir.Path, "issue", "list", "--postgres", server, "--schema", schema);

        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
    }
}
