using IssueCore.Adapters.Sqlite;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite.Tests;

/// <summary>Only a uniqueness violation is a conflict; every other constraint failure is a storage fault.</summary>
public sealed class ErrorTranslationTests
{
    [Theory]
    [InlineData("INSERT INTO t (id, name, amount) VALUES (1, 'a', 1);", 1555)]
    [InlineData("INSERT INTO t (id, name, amount) VALUES (2, 'taken', 1);", 2067)]
    [InlineData("INSERT INTO r (n) VALUES (1);", 1555)] // an INTEGER PRIMARY KEY (the rowid)
    public async Task Unique_and_primary_key_violations_are_conflicts(string sql, int extendedCode)
    {
        var provider = await FailAsync(sql);

        var translated = SqliteErrors.Translate(provider, "Writing", CancellationToken.None);

        Assert.Equal(extendedCode, provider.SqliteExtendedErrorCode);
        var conflict = Assert.IsType<ConflictException>(translated);
        Assert.Same(provider, conflict.InnerException);
    }

    [Theory]
    [InlineData("INSERT INTO t (id, name, amount) VALUES (3, 'b', -1);", 275)] // SQLITE_CONSTRAINT_CHECK
    [InlineData("INSERT INTO t (id, name, amount) VALUES (3, NULL, 1);", 1299)] // SQLITE_CONSTRAINT_NOTNULL
    [InlineData("INSERT INTO child (parent_id) VALUES (42);", 787)] // SQLITE_CONSTRAINT_FOREIGNKEY
    public async Task Check_not_null_and_foreign_key_violations_are_storage_errors_keeping_the_provider_error(string sql, int extendedCode)
    {
        var provider = await FailAsync(sql);

        var translated = SqliteErrors.Translate(provider, "Writing", CancellationToken.None);

        Assert.Equal(19, provider.SqliteErrorCode);
        Assert.Equal(extendedCode, provider.SqliteExtendedErrorCode);
        var storage = Assert.IsType<StorageException>(translated);
        Assert.Same(provider, storage.InnerException);
    }

    [Fact]
    public async Task A_check_violation_inside_a_store_write_is_a_storage_error_that_writes_nothing()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        IIssueStore store = new SqliteIssueStore(database);
        var id = (await store.CreateAsync(Samples.Draft())).Issue.Id;

        var ex = await Assert.ThrowsAsync<StorageException>(() => database.WriteAsync(
            "Setting an unknown state",
            async (session, ct) =>
            {
                await session.ExecuteAsync("UPDATE issues SET attempts = attempts + 1;", ct);
                return await session.Command("UPDATE issues SET state = 'bogus';").ExecuteNonQueryAsync(ct);
            },
            CancellationToken.None));

        Assert.Equal(275, Assert.IsType<SqliteException>(ex.InnerException).SqliteExtendedErrorCode);
        var issue = await store.GetAsync(id);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        Assert.Equal(0, issue.Attempts);
        Assert.True((await store.CreateAsync(Samples.Draft())).Created);
    }

    [Fact]
    public async Task A_duplicate_through_a_store_is_still_a_conflict()
    {
        await using var temp = new TempDatabase();
        var enhance = new SqliteEnhanceLogStore(temp.Open());
        var entry = new IssueCore.Enhance.EnhanceLogEntry
        {
            IssueId = IssueId.Parse("issue-1"),
            BlueprintId = Samples.Series,
            Intent = "intent",
            Rationale = "rationale",
            Verdicts = [],
            Outcome = IssueCore.Enhance.EnhanceOutcome.Applied,
            Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        };
        await enhance.AppendAsync(entry);

        var ex = await Assert.ThrowsAsync<ConflictException>(() => enhance.AppendAsync(entry));

        Assert.Equal(2067, Assert.IsType<SqliteException>(ex.InnerException).SqliteExtendedErrorCode);
    }

    private static async Task<SqliteException> FailAsync(string sql)
    {
        await using var temp = new TempDatabase();
        await using var connection = await temp.OpenRawAsync();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText =
                "PRAGMA foreign_keys = ON; " +
                "CREATE TABLE t (id INTEGER NOT NULL, name TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL CHECK (amount >= 0), PRIMARY KEY (id)) WITHOUT ROWID; " +
                "CREATE TABLE r (n INTEGER PRIMARY KEY); " +
                "CREATE TABLE parent (id INTEGER PRIMARY KEY); " +
                "CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id)); " +
                "INSERT INTO t (id, name, amount) VALUES (1, 'taken', 1); " +
                "INSERT INTO r (n) VALUES (1);";
            await setup.ExecuteNonQueryAsync();
        }

        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());
    }
}
