namespace IssueCore.Cli.Tests;

public sealed class CommandLineTests
{
    private static void NoStackTrace(CliProcess.Result r)
    {
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_every_exit_code()
    {
        using var dir = new TempDirectory();

        var r = await CliProcess.RunAsync(dir.Path, "--help");

        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var text in new[] { "blueprint", "issue", "log", "run", "flow", "db", "Exit codes:", "0    success", "1    invalid", "2    usage", "3    not found", "4    store error", "5    conflict", "ISSUECORE_DB" })
        {
            Assert.Contains(text, r.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error_without_a_stack_trace()
    {
        using var dir = new TempDirectory();

        var r = await CliProcess.RunAsync(dir.Path, "blueprint", "frobnicate");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("frobnicate", r.Error, StringComparison.Ordinal);
        NoStackTrace(r);
    }

    [Fact]
    public async Task A_command_without_a_store_says_how_to_name_one()
    {
        using var dir = new TempDirectory();

        var r = await CliProcess.RunAsync(dir.Path, "blueprint", "list");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--db", r.Error, StringComparison.Ordinal);
        Assert.Contains("ISSUECORE_POSTGRES", r.Error, StringComparison.Ordinal);
        NoStackTrace(r);
    }

    [Fact]
    public async Task A_missing_database_file_is_named_and_not_created()
    {
        using var dir = new TempDirectory();
        var db = dir.File("missing.db");

        var r = await CliProcess.RunAsync(dir.Path, "issue", "list", "--db", db);

        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains(db, r.Error, StringComparison.Ordinal);
        Assert.Contains("db migrate", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(db));
        NoStackTrace(r);
    }

    [Fact]
    public async Task The_store_can_come_from_the_environment()
    {
        using var dir = new TempDirectory();
        var db = dir.File("env.db");
        var env = new Dictionary<string, string> { ["ISSUECORE_DB"] = db };

        Assert.Equal(0, (await CliProcess.RunAsync(dir.Path, env, "db", "migrate")).ExitCode);
        var r = await CliProcess.RunAsync(dir.Path, env, "blueprint", "list", "--json");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("enhance-default", (string?)r.Json[0]!["id"]);
    }

    [Fact]
    public async Task Db_status_reports_a_missing_schema_and_migrate_brings_it_to_the_latest_version()
    {
        using var dir = new TempDirectory();
        var db = dir.File("store.db");

        var before = await CliProcess.RunAsync(dir.Path, "db", "status", "--db", db, "--json");
        var migrate = await CliProcess.RunAsync(dir.Path, "db", "migrate", "--db", db, "--json");
        var again = await CliProcess.RunAsync(dir.Path, "db", "migrate", "--db", db, "--json");
        var after = await CliProcess.RunAsync(dir.Path, "db", "status", "--db", db, "--json");

        Assert.True(before.ExitCode == 1, before.ToString());
        Assert.Equal("behind", (string?)before.Json["state"]);
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        var latest = (int)migrate.Json["latest"]!;
        Assert.Equal(0, (int)migrate.Json["from"]!);
        Assert.Equal(latest, (int)migrate.Json["to"]!);
        Assert.Equal("enhance-default", (string?)migrate.Json["enhance_flow"]);
        Assert.Equal(latest, (int)again.Json["from"]!);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal("current", (string?)after.Json["state"]);
        Assert.Equal(Adapters.Sqlite.SqliteSchema.LatestVersion, latest);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_a_store_error_without_a_stack_trace()
    {
        using var dir = new TempDirectory();
        var db = dir.Write("not-a-db.db", "this is not SQLite");

        var r = await CliProcess.RunAsync(dir.Path, "blueprint", "list", "--db", db);

        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Contains("store error", r.Error, StringComparison.Ordinal);
        NoStackTrace(r);
    }
}
