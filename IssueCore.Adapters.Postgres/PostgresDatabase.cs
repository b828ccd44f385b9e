using System.Globalization;
using IssueCore.Adapters.Postgres.Storage;
using Npgsql;

namespace IssueCore.Adapters.Postgres;

/// <summary>
/// What every PostgreSQL store shares: one pooled <see cref="NpgsqlDataSource"/>, the schema name,
/// the clock, and the once-per-process schema installation. Create one per database and schema and
/// pass it to each store.
/// </summary>
/// <remarks>
/// Times (lease expiry, back-off, timestamps) come from the <see cref="TimeProvider"/> and are passed
/// to the database as parameters; the database clock is never used, so hosts and tests agree on one
/// notion of now. Timestamps are stored as <c>timestamptz</c>, which keeps microseconds: a value
/// with finer ticks reads back truncated to the microsecond.
/// </remarks>
public sealed class PostgresDatabase : IAsyncDisposable, IDisposable
{
    private readonly bool _ownsDataSource;
    private readonly Lock _gate = new();
    private Task? _ready;

    /// <summary>Creates the shared state over a data source the caller owns (and disposes).</summary>
    /// <param name="dataSource">The pooled data source.</param>
    /// <param name="options">The schema name and whether to apply migrations; <see cref="PostgresStoreOptions.ConnectionString"/> is ignored.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ValidationException">The schema name is not valid.</exception>
    public PostgresDatabase(NpgsqlDataSource dataSource, PostgresStoreOptions options, TimeProvider? timeProvider = null)
        : this(dataSource, options, timeProvider, ownsDataSource: false)
    {
    }

    internal PostgresDatabase(NpgsqlDataSource dataSource, PostgresStoreOptions options, TimeProvider? timeProvider, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        DataSource = dataSource;
        Schema = options.Schema;
        ApplyMigrations = options.ApplyMigrations;
        LeaseClock = options.LeaseClock;
        NotifyOnEnqueue = options.NotifyOnEnqueue;
        EnqueueChannel = PostgresSchema.EnqueueChannel(options.Schema);
        TimeProvider = timeProvider ?? TimeProvider.System;
        _ownsDataSource = ownsDataSource;
    }

    /// <summary>The pooled data source every store uses.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The schema holding the tables.</summary>
    public string Schema { get; }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    internal bool ApplyMigrations { get; }

    /// <summary>Whether enqueues send a <c>NOTIFY</c> and the issue store's watch listens.</summary>
    internal bool NotifyOnEnqueue { get; }

    /// <summary>The <c>LISTEN</c>/<c>NOTIFY</c> channel of enqueues into this schema.</summary>
    internal string EnqueueChannel { get; }

    /// <summary>Which clock judges and sets leases.</summary>
    internal PostgresLeaseClock LeaseClock { get; }

    /// <summary>
    /// Installs or upgrades the schema now (the stores otherwise do it before their first operation).
    /// Safe when several hosts start at once: migrations run under a transaction-scoped advisory lock
    /// and are recorded in <c>schema_migrations</c>.
    /// </summary>
    /// <exception cref="StorageException">
    /// The schema is newer than this library (upgrade the package), or, with
    /// <see cref="PostgresStoreOptions.ApplyMigrations"/> off, older; or the database failed.
    /// </exception>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => EnsureReadyAsync(cancellationToken).AsTask();

    /// <summary>Returns the schema version recorded in the database (0 when the schema is not installed).</summary>
    /// <exception cref="StorageException">The database failed.</exception>
    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "read the schema version");
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _ownsDataSource ? DataSource.DisposeAsync() : default;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsDataSource)
        {
            DataSource.Dispose();
        }
    }

    /// <summary>Completes once the schema is at <see cref="PostgresSchema.LatestVersion"/>; cheap after the first call.</summary>
    internal ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        var ready = Volatile.Read(ref _ready);
        return ready is { IsCompletedSuccessfully: true } ? default : new ValueTask(WaitReadyAsync(cancellationToken));
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        Task ready;
        lock (_gate)
        {
            // A failed or cancelled attempt is retried by the next caller.
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                // One caller's cancellation must not fail the installation other callers wait for.
                _ready = Task.Run(() => InstallAsync(CancellationToken.None), CancellationToken.None);
            }

            ready = _ready;
        }

        await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task InstallAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            if (!ApplyMigrations)
            {
                var version = await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
                EnsureKnown(version);
                if (version < PostgresSchema.LatestVersion)
                {
                    throw new StorageException(
                        $"The IssueCore schema '{Schema}' is at version {version.ToString(CultureInfo.InvariantCulture)}, but this library needs version {PostgresSchema.LatestVersion.ToString(CultureInfo.InvariantCulture)}; "
                        + "apply PostgresSchema.GetMigrationScript() or enable PostgresStoreOptions.ApplyMigrations.");
                }

                return;
            }

            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, tx))
            {
                lockCommand.Parameters.AddWithValue("key", PostgresSchema.AdvisoryLockKey(Schema));
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, tx, PostgresSchema.PreambleSql(Schema), cancellationToken).ConfigureAwait(false);
            var current = await ReadVersionAsync(connection, tx, cancellationToken).ConfigureAwait(false);
            EnsureKnown(current);
            foreach (var migration in PostgresSchema.Migrations.Where(m => m.Version > current))
            {
                await ExecuteAsync(connection, tx, migration.Render(Schema), cancellationToken).ConfigureAwait(false);
                await using var record = new NpgsqlCommand(
                    $"INSERT INTO {PostgresSchema.Quote(Schema)}.schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)", connection, tx);
                record.Parameters.AddWithValue("version", migration.Version);
                record.Parameters.AddWithValue("name", migration.Name);
                record.Parameters.AddWithValue("at", TimeProvider.GetUtcNow());
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"install the IssueCore schema '{Schema}'");
        }
    }

    private void EnsureKnown(int version)
    {
        if (version > PostgresSchema.LatestVersion)
        {
            throw new StorageException(
                $"The IssueCore schema '{Schema}' is at version {version.ToString(CultureInfo.InvariantCulture)}, newer than version {PostgresSchema.LatestVersion.ToString(CultureInfo.InvariantCulture)} that this library knows. "
                + "Upgrade IssueCore.Adapters.Postgres on this host; migrations only go forward.");
        }
    }

    private async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT CASE WHEN to_regclass(@table) IS NULL THEN 0 ELSE -1 END", connection, tx);
        command.Parameters.AddWithValue("table", $"{PostgresSchema.Quote(Schema)}.schema_migrations");
        var exists = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (exists == 0)
        {
            return 0;
        }

        await using var max = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {PostgresSchema.Quote(Schema)}.schema_migrations", connection, tx);
        return (int)(await max.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
