using System.Diagnostics;
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
    private readonly TimeSpan _busyTimeout;
    private CancellationTokenRegistration _interruptRegistration;
    private volatile bool _interrupted;

    public SqliteSession(SqliteConnection connection, int commandTimeoutSeconds, TimeSpan busyTimeout)
    {
        Connection = connection;
        _commandTimeoutSeconds = commandTimeoutSeconds;
        _busyTimeout = busyTimeout;
    }

    public SqliteConnection Connection { get; }

    // Back-off between attempts to take the write lock, as SQLite's own busy handler sleeps.
    private static ReadOnlySpan<int> BeginDelaysMilliseconds => [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

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

    /// <summary>
    /// From now until <see cref="EndInterruptScopeAsync"/>, cancelling <paramref name="cancellationToken"/>
    /// calls <c>sqlite3_interrupt</c> on this connection, so a running statement stops with
    /// <c>SQLITE_INTERRUPT</c> at its next VDBE step instead of running to its end.
    /// </summary>
    public void BeginInterruptScope(CancellationToken cancellationToken)
    {
        _interrupted = false;
        if (cancellationToken.CanBeCanceled)
        {
            _interruptRegistration = cancellationToken.UnsafeRegister(
                static state =>
                {
                    var session = (SqliteSession)state!;
                    session._interrupted = true;
                    SQLitePCL.raw.sqlite3_interrupt(session.Connection.Handle);
                },
                this);
        }
    }

    /// <summary>
    /// Ends the scope begun by <see cref="BeginInterruptScope"/>, waiting for an interrupt callback
    /// that is running right now, so none reaches the connection afterwards (it may be closed next).
    /// Safe to call more than once.
    /// </summary>
    /// <returns>Whether the token fired during the scope (the connection may have been interrupted).</returns>
    public async ValueTask<bool> EndInterruptScopeAsync()
    {
        await _interruptRegistration.DisposeAsync().ConfigureAwait(false);
        _interruptRegistration = default;
        return _interrupted;
    }

    /// <summary>
    /// Runs <c>BEGIN IMMEDIATE</c>, waiting asynchronously for the write lock for up to the busy
    /// timeout (on the system clock: another process holds the lock in real time). Unlike SQLite's
    /// own busy handler, which sleeps inside the call and cannot be cancelled, the wait between
    /// attempts ends as soon as <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled before the lock was taken.</exception>
    /// <exception cref="SqliteException">The lock stayed taken past the busy timeout (<c>SQLITE_BUSY</c>), or another failure.</exception>
    public async Task BeginImmediateAsync(CancellationToken cancellationToken)
    {
        var handle = Connection.Handle;
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // One attempt without SQLite's blocking busy handler; the connection keeps it for every other statement.
            SQLitePCL.raw.sqlite3_busy_timeout(handle, 0);
            int rc;
            try
            {
                rc = SQLitePCL.raw.sqlite3_exec(handle, "BEGIN IMMEDIATE;");
            }
            finally
            {
                SQLitePCL.raw.sqlite3_busy_timeout(handle, (int)Math.Min(int.MaxValue, (long)_busyTimeout.TotalMilliseconds));
            }

            if (rc == SQLitePCL.raw.SQLITE_OK)
            {
                return;
            }

            var remaining = _busyTimeout - Stopwatch.GetElapsedTime(started);
            if ((rc & 0xFF) is not (SqliteErrors.Busy or SqliteErrors.Locked) || remaining <= TimeSpan.Zero)
            {
                SqliteException.ThrowExceptionForRC(rc, handle);
            }

            var delay = TimeSpan.FromMilliseconds(BeginDelaysMilliseconds[Math.Min(attempt, BeginDelaysMilliseconds.Length - 1)]);
            await Task.Delay(delay < remaining ? delay : remaining, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

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
