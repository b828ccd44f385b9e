using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// One open connection with its per-connection settings applied and its commands kept prepared.
/// Used by one caller at a time; <see cref="SqliteDatabase"/> pools them.
/// </summary>
internal sealed class SqliteSession : IAsyncDisposable, IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly int _commandTimeoutSeconds;

    public SqliteSession(SqliteConnection connection, int commandTimeoutSeconds)
    {
        Connection = connection;
        _commandTimeoutSeconds = commandTimeoutSeconds;
    }

    public SqliteConnection Connection { get; }

    /// <summary>Whether a transaction is open on this connection.</summary>
    public bool InTransaction => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    /// <summary>Returns the cached, prepared command for a statement, with its parameters cleared.</summary>
    /// <param name="sql">A constant statement text from this assembly (never user input).</param>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
#pragma warning disable CA2100 // Every statement text is a constant of this assembly; values are bound as parameters.
            command.CommandText = sql;
#pragma warning restore CA2100
            command.CommandTimeout = _commandTimeoutSeconds;
            _commands.Add(sql, command);
        }
        else
        {
            command.Parameters.Clear();
        }

        return command;
    }

    public Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken)
        => Command(sql).ExecuteNonQueryAsync(cancellationToken);

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }

        _commands.Clear();
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
