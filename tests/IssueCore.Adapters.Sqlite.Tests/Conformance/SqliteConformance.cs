using IssueCore.Adapters.Sqlite;

namespace IssueCore.Adapters.Sqlite.Tests.Conformance;

/// <summary>A fresh database file per conformance test, removed with its folder afterwards.</summary>
internal sealed class SqliteConformance : IAsyncDisposable
{
    private readonly TempDatabase _temp = new();

    public async Task<SqliteDatabase> OpenAsync(TimeProvider timeProvider)
    {
        var database = _temp.Open(timeProvider);
        await database.MigrateAsync();
        return database;
    }

    public ValueTask DisposeAsync() => _temp.DisposeAsync();
}
