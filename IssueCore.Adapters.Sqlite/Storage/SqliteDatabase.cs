using System.Collections.Concurrent;
using System.Globalization;
using IssueCore.Blueprints;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// One SQLite database file shared by the five SQLite stores: it owns the open connections, applies
/// the schema on first use, and runs every write in a <c>BEGIN IMMEDIATE</c> transaction. Create
/// one per file and process (the DI registration does) and dispose it at shutdown.
/// </summary>
/// <remarks>
/// Every connection runs with <c>journal_mode=WAL</c>, <c>synchronous=NORMAL</c>, <c>foreign_keys=ON</c>
/// and a <c>busy_timeout</c> of <see cref="SqliteStoreOptions.BusyTimeout"/>, so several processes
/// may share the file: writers queue on the write lock, readers never block. With WAL and
/// <c>synchronous=NORMAL</c> a committed transaction survives a process crash; after a power loss
/// the last few commits may be missing, but the file is never left corrupt.
/// <para>
/// Cancellation. Microsoft.Data.Sqlite runs its async methods synchronously and stops looking at
/// the token once a statement runs, so the database enforces it itself:
/// </para>
/// <list type="bullet">
/// <item><description>A write waiting for the write lock (another connection or process is writing)
/// waits asynchronously between attempts to take it and stops as soon as the token is cancelled,
/// with an <see cref="OperationCanceledException"/> and nothing written.</description></item>
/// <item><description>A running statement is stopped with <c>sqlite3_interrupt</c> when the token is
/// cancelled; the call then throws <see cref="OperationCanceledException"/> (the provider's
/// <c>SQLITE_INTERRUPT</c> error is its inner exception) and the write's transaction is rolled back.
/// SQLite checks for an interrupt between the steps of its virtual machine, so a statement that is
/// nearly done may still finish, and a step that blocks inside SQLite (its own busy handler, for
/// example a read waiting out another process's WAL recovery, or a slow disk) is not cut short.</description></item>
/// <item><description>Once a write reaches <c>COMMIT</c>, it is no longer interrupted: it completes and the
/// call returns normally even if the token is cancelled meanwhile. A token cancelled before that rolls
/// the write back.</description></item>
/// <item><description>Opening a connection is not cancellable, and every statement still runs on the
/// calling thread while it executes (the provider has no truly asynchronous I/O).</description></item>
/// </list>
/// <para>
/// A connection whose call was cancelled while it ran is closed rather than reused.
/// </para>
/// </remarks>
public sealed class SqliteDatabase : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentStack<SqliteSession> _idle = new();
    private readonly SemaphoreSlim _migrationGate = new(1, 1);

    /// <summary>
    /// Orders this process's writers before <c>BEGIN IMMEDIATE</c>: they queue here (first come, first served, no
    /// sleeping) instead of colliding on SQLite's write lock and backing off. The back-off in
    /// <see cref="SqliteSession.BeginImmediateAsync"/> is then only for writers of other processes.
    /// </summary>
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly string _connectionString;
    /// <summary>
    /// The provider's own retry on <c>SQLITE_BUSY</c> (it sleeps and retries until the command timeout)
    /// is kept at its minimum: SQLite's busy handler and <see cref="SqliteSession.BeginImmediateAsync"/>
    /// already wait up to the busy timeout, and the provider's retry loop ignores cancellation.
    /// </summary>
    private const int CommandTimeoutSeconds = 1;

    /// <summary>
    /// With background checkpoints, how many times <see cref="SqliteStoreOptions.CheckpointThresholdBytes"/> the WAL may
    /// grow before a committing writer checkpoints it itself (SQLite's own <c>wal_autocheckpoint</c>): the bound that holds
    /// when the background checkpoint cannot keep up or fails.
    /// </summary>
    private const int InlineCheckpointFactor = 4;

    private const int MinAutoCheckpointPages = 100;

    private const long JournalSizeLimitBytes = 16L * 1024 * 1024;

    private readonly int _busyTimeoutMilliseconds;
    private readonly TimeSpan _busyTimeout;
    private readonly int _maxIdle;
    private readonly bool _autoMigrate;
    private readonly int _pageSize;
    private readonly long _checkpointBytes;
    private readonly bool _backgroundCheckpoints;
    private readonly CancellationTokenSource _lifetime = new();
    private volatile bool _schemaReady;
    private volatile bool _disposed;

    /// <summary>The background checkpoint's threshold in the file's pages (0 until a connection has read the page size).</summary>
    private long _checkpointPages;

    /// <summary>WAL pages this process's writers committed since it last started a background checkpoint.</summary>
    private long _walPagesSinceCheckpoint;

    /// <summary>1 while a background checkpoint runs: there is at most one.</summary>
    private int _checkpointRunning;

    private Task _checkpoint = Task.CompletedTask;

    /// <summary>Creates the database object. Nothing is opened until the first call.</summary>
    /// <param name="options">The connection string and settings.</param>
    /// <param name="timeProvider">The clock for leases and timestamps; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public SqliteDatabase(SqliteStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString) { Pooling = false };
        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:")
        {
            throw new ArgumentException("The SQLite stores need a database file; in-memory databases are not supported.", nameof(options));
        }

        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
        _busyTimeoutMilliseconds = (int)Math.Min(int.MaxValue, (long)options.BusyTimeout.TotalMilliseconds);
        _busyTimeout = options.BusyTimeout;
        _maxIdle = options.MaxIdleConnections;
        _autoMigrate = options.AutoMigrate;
        _pageSize = options.PageSize;
        _checkpointBytes = options.CheckpointThresholdBytes;
        _backgroundCheckpoints = options.CheckpointInBackground;
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <summary>The clock every store on this database uses for leases and timestamps.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Blueprint versions already read and verified from this file (parsed and hashed once per version).</summary>
    internal VerifiedBlueprintCache Blueprints { get; } = new();

    /// <summary>
    /// Installs or upgrades the schema now (it also happens on first use). Safe to call from several
    /// processes at once: the upgrade runs under the database write lock.
    /// </summary>
    /// <exception cref="StorageException">The file cannot be opened, is not a database, or was written by a newer schema version.</exception>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => EnsureSchemaAsync(cancellationToken);

    /// <summary>Returns the file's schema version (<c>PRAGMA user_version</c>).</summary>
    /// <exception cref="StorageException">The file cannot be read.</exception>
    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
        => RunAsync("Reading the schema version", ReadUserVersionAsync, ensureSchema: false, cancellationToken);

    /// <summary>
    /// Stops a background checkpoint that is running and waits for it, then closes every idle connection. Calls after
    /// disposal throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await Volatile.Read(ref _checkpoint).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (_idle.TryPop(out var session))
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops a background checkpoint that is running (without waiting for it: its connection is closed when it ends) and
    /// closes every idle connection. Calls after disposal throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _lifetime.Cancel();
        while (_idle.TryPop(out var session))
        {
            session.Dispose();
        }
    }

    /// <summary>Whether a writer of this process holds (or is taking) the write lock at this moment.</summary>
    internal bool IsWriting => _writeGate.CurrentCount == 0;

    /// <summary>Runs <paramref name="work"/> on a pooled connection without an explicit transaction (reads).</summary>
    internal Task<T> ReadAsync<T>(string operation, Func<SqliteSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        => RunAsync(operation, work, ensureSchema: true, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> inside <c>BEGIN IMMEDIATE</c> … <c>COMMIT</c>; any exception rolls
    /// back and is translated, so nothing is half-written.
    /// </summary>
    /// <remarks>
    /// Writers of this process wait for each other on an in-process queue before they ask SQLite for the write lock,
    /// so they never sleep in the busy back-off because of each other; the wait ends with an
    /// <see cref="OperationCanceledException"/> when the token is cancelled.
    /// </remarks>
    internal async Task<T> WriteAsync<T>(string operation, Func<SqliteSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(
                operation,
                async (session, ct) =>
                {
                    await session.BeginImmediateAsync(ct).ConfigureAwait(false);
                    try
                    {
                        var result = await work(session, ct).ConfigureAwait(false);
                        await CommitAsync(session, ct).ConfigureAwait(false);
                        var pages = SqliteTelemetry.RecordCommit(session.Connection, operation, _backgroundCheckpoints);
                        if (_backgroundCheckpoints)
                        {
                            NoteCommittedPages(pages);
                        }

                        return result;
                    }
                    catch
                    {
                        await TryRollbackAsync(session).ConfigureAwait(false);
                        throw;
                    }
                },
                ensureSchema: true,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Counts the WAL pages a commit of this process wrote and, past the threshold, starts a background checkpoint
    /// (at most one at a time). Called by the committing writer, which still holds the write gate.
    /// </summary>
    private void NoteCommittedPages(int pages)
    {
        var threshold = Volatile.Read(ref _checkpointPages);
        if (threshold == 0
            || Interlocked.Add(ref _walPagesSinceCheckpoint, pages) < threshold
            || _disposed
            || Interlocked.CompareExchange(ref _checkpointRunning, 1, 0) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _walPagesSinceCheckpoint, 0);
        Volatile.Write(ref _checkpoint, Task.Run(() => CheckpointInBackgroundAsync(_lifetime.Token), CancellationToken.None));
    }

    /// <summary>
    /// Copies the WAL back into the database file off the writers' path. The first pass runs beside the writers (a
    /// <c>PASSIVE</c> checkpoint takes no write lock) and copies nearly everything; the second copies the few frames
    /// committed meanwhile, holding the in-process write gate so that it can reach the end of the WAL, which lets the
    /// next writer start the WAL over from its beginning instead of growing it. A failed or cancelled checkpoint leaves
    /// the WAL as it was (SQLite's own checkpoint at <see cref="InlineCheckpointFactor"/> times the threshold still
    /// bounds it) and is tried again after the next threshold's worth of commits.
    /// </summary>
    private async Task CheckpointInBackgroundAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync("Checkpointing the WAL", CheckpointAsync, ensureSchema: false, cancellationToken).ConfigureAwait(false);
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await RunAsync("Checkpointing the WAL", CheckpointAsync, ensureSchema: false, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writeGate.Release();
            }

            SqliteTelemetry.Checkpoints.Add(1, new KeyValuePair<string, object?>(SqliteTelemetry.DataSourceTag, DataSource));
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Nobody awaits this but disposal: the WAL stays bounded by SQLite's own checkpoint, and the next threshold tries again.
        }
        finally
        {
            Volatile.Write(ref _checkpointRunning, 0);
        }

        static async Task<int> CheckpointAsync(SqliteSession session, CancellationToken ct)
        {
            await session.ExecuteAsync("PRAGMA wal_checkpoint(PASSIVE);", ct).ConfigureAwait(false);
            return 0;
        }
    }

    private async Task<T> RunAsync<T>(string operation, Func<SqliteSession, CancellationToken, Task<T>> work, bool ensureSchema, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (ensureSchema && !_schemaReady)
        {
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        }

        var session = await RentAsync(operation, cancellationToken).ConfigureAwait(false);
        var reusable = true;
        session.BeginInterruptScope(cancellationToken);
        try
        {
            return await work(session, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            reusable = SqliteErrors.LeavesConnectionUsable(ex) && !session.InTransaction;
            throw SqliteErrors.Translate(ex, operation, cancellationToken);
        }
        catch (Exception ex) when (ex is not IssueCoreException and not OperationCanceledException and not ArgumentException)
        {
            // A provider failure outside SqliteException (for example a broken connection state).
            reusable = false;
            throw new StorageException($"{operation} failed: {ex.Message}", ex);
        }
        catch
        {
            reusable = !session.InTransaction;
            throw;
        }
        finally
        {
            // A connection the token may have interrupted is closed rather than pooled: an interrupt
            // that landed between statements would otherwise be pending on it.
            if (await session.EndInterruptScopeAsync().ConfigureAwait(false))
            {
                reusable = false;
            }

            await ReturnAsync(session, reusable).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Commits the open transaction. Cancellation is honoured up to here (the transaction is rolled
    /// back by the caller); <c>COMMIT</c> itself is never interrupted, so a call that reaches it completes.
    /// </summary>
    private static async Task CommitAsync(SqliteSession session, CancellationToken cancellationToken)
    {
        await session.EndInterruptScopeAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        await session.ExecuteAsync("COMMIT;", CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<SqliteSession> RentAsync(string operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryPop(out var pooled))
        {
            return pooled;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var session = new SqliteSession(connection, CommandTimeoutSeconds, _busyTimeout);
            var pragmas = string.Create(
                CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout = {_busyTimeoutMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = {JournalSizeLimitBytes};");
            await session.ExecuteAsync(pragmas, cancellationToken).ConfigureAwait(false);
            await SetAutoCheckpointAsync(session, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw SqliteErrors.Translate(ex, $"{operation} (opening '{DataSource}')", cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async ValueTask ReturnAsync(SqliteSession session, bool reusable)
    {
        if (reusable && !_disposed && _idle.Count < _maxIdle)
        {
            _idle.Push(session);
            if (!_disposed)
            {
                return;
            }

            // Disposed meanwhile: drain what we just pushed.
            if (!_idle.TryPop(out var again))
            {
                return;
            }

            session = again;
        }

        await session.DisposeAsync().ConfigureAwait(false);
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _migrationGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady)
            {
                await RunAsync("Installing the schema", MigrateCoreAsync, ensureSchema: false, cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
        }
        finally
        {
            _migrationGate.Release();
        }
    }

    private async Task<int> MigrateCoreAsync(SqliteSession session, CancellationToken cancellationToken)
    {
        var latest = SqliteSchema.LatestVersion;
        var current = await ReadUserVersionAsync(session, cancellationToken).ConfigureAwait(false);
        EnsureNotNewer(current, latest);
        if (current == latest)
        {
            return current;
        }

        if (!_autoMigrate)
        {
            throw new StorageException($"The database '{DataSource}' is at schema version {current}, but this library needs version {latest} and AutoMigrate is off. Apply SqliteSchema.GetScript({current}) first.");
        }

        if (current == 0)
        {
            // Takes effect only while the file has no page yet (a new database); an existing file keeps its page size.
            await session.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"PRAGMA page_size = {_pageSize};"), cancellationToken).ConfigureAwait(false);
        }

        // WAL is a property of the file; switching needs no transaction and is a no-op once set.
        await session.ExecuteAsync("PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
        await session.BeginImmediateAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Re-read under the write lock: another process may have migrated meanwhile.
            current = await ReadUserVersionAsync(session, cancellationToken).ConfigureAwait(false);
            EnsureNotNewer(current, latest);
            foreach (var migration in SqliteSchema.Migrations)
            {
                if (migration.Version <= current)
                {
                    continue;
                }

                await session.ExecuteAsync(migration.Sql, cancellationToken).ConfigureAwait(false);
                await session.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {migration.Version};"), cancellationToken).ConfigureAwait(false);
            }

            await CommitAsync(session, cancellationToken).ConfigureAwait(false);
            await SetAutoCheckpointAsync(session, cancellationToken).ConfigureAwait(false); // a new file has its page size now
            return latest;
        }
        catch
        {
            await TryRollbackAsync(session).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Sets the connection's checkpoint threshold in the file's own pages: <see cref="SqliteStoreOptions.CheckpointThresholdBytes"/>
    /// when committing writers checkpoint, <see cref="InlineCheckpointFactor"/> times it (the fallback) when checkpoints run in
    /// the background.
    /// </summary>
    private async Task SetAutoCheckpointAsync(SqliteSession session, CancellationToken cancellationToken)
    {
        var pageSize = await session.Command("PRAGMA page_size;").ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long size && size >= 512 ? size : 4096;
        var pages = Math.Max(MinAutoCheckpointPages, _checkpointBytes / pageSize);
        Volatile.Write(ref _checkpointPages, pages);
        var inline = _backgroundCheckpoints ? pages * InlineCheckpointFactor : pages;
        await session.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"PRAGMA wal_autocheckpoint = {inline};"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rolls back an open transaction. A failing rollback must not hide the error that caused it;
    /// the connection then still reports an open transaction and is discarded instead of pooled.
    /// </summary>
    private static async Task TryRollbackAsync(SqliteSession session)
    {
        if (!session.InTransaction)
        {
            return;
        }

        try
        {
            await session.ExecuteAsync("ROLLBACK;", CancellationToken.None).ConfigureAwait(false);
        }
        catch (SqliteException)
        {
            // Reported through the original exception; see above.
        }
    }

    private void EnsureNotNewer(int current, int latest)
    {
        if (current > latest)
        {
            throw new StorageException($"The database '{DataSource}' was written by a newer IssueCore schema (version {current}); this library knows versions up to {latest}. Upgrade IssueCore.Adapters.Sqlite; the file was not changed.");
        }
    }

    private static async Task<int> ReadUserVersionAsync(SqliteSession session, CancellationToken cancellationToken)
    {
        var value = await session.Command("PRAGMA user_version;").ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }
}
