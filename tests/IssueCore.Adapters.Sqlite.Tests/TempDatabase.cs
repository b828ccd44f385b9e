using IssueCore.Adapters.Sqlite;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite.Tests;

/// <summary>A database file in its own temporary folder, deleted (with every database opened on it) on dispose.</summary>
internal sealed class TempDatabase : IAsyncDisposable
{
    private readonly List<SqliteDatabase> _opened = [];

    public TempDatabase()
    {
        Folder = Path.Combine(Path.GetTempPath(), "issuecore-sqlite-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        FilePath = Path.Combine(Folder, "issuecore.db");
    }

    public string Folder { get; }

    public string FilePath { get; }

    public string ConnectionString => $"Data Source={FilePath}";

    public SqliteDatabase Open(TimeProvider? timeProvider = null, Action<SqliteStoreOptions>? configure = null)
    {
        var options = new SqliteStoreOptions { ConnectionString = ConnectionString };
        configure?.Invoke(options);
        var database = new SqliteDatabase(options, timeProvider);
        _opened.Add(database);
        return database;
    }

    /// <summary>A plain connection for arranging or inspecting the file behind the stores' back.</summary>
    public async Task<SqliteConnection> OpenRawAsync()
    {
        var connection = new SqliteConnection($"Data Source={FilePath};Pooling=False");
        await connection.OpenAsync();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000;";
        await pragma.ExecuteNonQueryAsync();
        return connection;
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = await OpenRawAsync();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenRawAsync();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still be releasing the file; the OS temp cleaner gets it later.
        }
    }
}
