// snippet: conformance-file-backed
using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Testing;
using Microsoft.Data.Sqlite;

namespace MyAdapter.Tests;

// A file- or server-backed store gets a new database per test and removes it afterwards (shown with the SQLite
// adapter's store; put your own store's type in its place).
public sealed class FileBackedBlueprintStoreConformanceTests : BlueprintStoreConformanceTests
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"issuecore-{Guid.NewGuid():N}.db");
    private SqliteDatabase? _database;

    // Read time only from timeProvider: the kit moves a fake clock instead of sleeping.
    protected override async Task<IBlueprintStore> CreateStoreAsync(TimeProvider timeProvider)
    {
        _database = new SqliteDatabase(new SqliteStoreOptions { ConnectionString = $"Data Source={_path}" }, timeProvider);
        await _database.MigrateAsync();
        return new SqliteBlueprintStore(_database);
    }

    protected override async Task DisposeStoreAsync(IBlueprintStore store)
    {
        await base.DisposeStoreAsync(store);  // disposes IAsyncDisposable / IDisposable stores
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
// endsnippet
