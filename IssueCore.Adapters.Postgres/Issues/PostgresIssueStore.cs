using System.Globalization;
using IssueCore.Adapters.Postgres.Storage;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace IssueCore.Adapters.Postgres;

/// <summary>
/// The issue queue on PostgreSQL. Claims take the next row with <c>FOR UPDATE SKIP LOCKED</c>
/// (highest priority first, then creation order), so concurrent dispatchers on any number of hosts
/// never claim the same issue; every transition is one statement that checks the lease holder.
/// </summary>
/// <remarks>
/// Lease times are the database server's by default (<see cref="PostgresStoreOptions.LeaseClock"/>): a claim compares
/// and sets <c>lease_expires_at</c> with <c>clock_timestamp()</c>, so hosts whose clocks disagree still agree on
/// whether a lease is live. (Back-off times
/// passed to <see cref="ReleaseAsync"/> are the caller's.) Every transition under an <see cref="IssueLease"/> checks
/// the owner and the fencing token in the same statement, and the store provides the <see cref="IDispatchFinalizer"/>
/// of the PostgreSQL Blueprint store and enhance log over the same data source and schema.
/// </remarks>
public sealed partial class PostgresIssueStore : IIssueStore, IDispatchFinalizerProvider, IIssueEnqueueNotifications
{
    private const string Columns =
        "id, blueprint_id, intent, patch, rationale, bump, title, description, priority, labels, due_at, "
        + "source_type, source_id, triggering_event_id, activity_definition_id, idempotency_key, state, new_version, "
        + "reason, attempts, lease_owner, lease_expires_at, not_before, last_error, created_at, updated_at, seq, round, round_start_attempts"
        + ", target_repo, trace_parent, run_id";

    private readonly PostgresDatabase _db;
    private readonly ILogger _logger;
    private readonly string _insert;
    private readonly string _findExisting;
    private readonly string _find;
    private readonly string _findByKey;
    private readonly string _claim;
    private readonly string _pickBySeries;
    private readonly string _claimPicked;
    private readonly string _renew;
    private readonly string _complete;
    private readonly string _release;
    private readonly string _list;
    private readonly string _leasedCheck;
    private readonly string _leasedRenew;
    private readonly string _leasedComplete;
    private readonly string _leasedRelease;
    private readonly string _listByState;
    private readonly string _lockForRequeue;
    private readonly string _requeue;
    private readonly string _insertRequeue;
    private readonly string _listRequeues;
    private readonly string _leasedRecordRun;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The shared data source, schema and clock.</param>
    public PostgresIssueStore(PostgresDatabase database)
        : this(database, null)
    {
    }

    /// <summary>Creates the store with a logger for its enqueue watch (<see cref="WatchAsync"/>).</summary>
    /// <param name="database">The shared data source, schema and clock.</param>
    /// <param name="logger">Logs the watch's connection losses and reconnections; none when <see langword="null"/>.</param>
    public PostgresIssueStore(PostgresDatabase database, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        _logger = logger ?? NullLogger.Instance;
        var t = PostgresSchema.Quote(database.Schema) + ".issues";

        // The lease clock: the server's by default, so hosts with skewed clocks agree on which leases are live.
        var clock = database.LeaseClock == PostgresLeaseClock.Database ? "clock_timestamp()" : "@now";
        _insert =
            $"INSERT INTO {t} (id, blueprint_id, intent, patch, rationale, bump, title, description, priority, labels, due_at, "
            + "source_type, source_id, triggering_event_id, activity_definition_id, idempotency_key, state, attempts, created_at, updated_at"
            + ", target_repo, trace_parent) "
            + "VALUES (@id, @blueprint_id, @intent, @patch, @rationale, @bump, @title, @description, @priority, @labels, @due_at, "
            + "@source_type, @source_id, @triggering_event_id, @activity_definition_id, @idempotency_key, 0, 0, @now, @now"
            + ", @target_repo, @trace_parent) "
            + $"ON CONFLICT DO NOTHING RETURNING {Columns}";
        if (database.NotifyOnEnqueue)
        {
            // One statement: the NOTIFY is sent on commit of the insert, and only for a row actually inserted.
            _insert = $"WITH created AS ({_insert}) SELECT {Columns}, pg_notify(@channel, blueprint_id) FROM created";
        }

        _findExisting = $"SELECT {Columns} FROM {t} WHERE idempotency_key = @key OR id = @id ORDER BY (idempotency_key IS NOT DISTINCT FROM @key) DESC LIMIT 1";
        _find = $"SELECT {Columns} FROM {t} WHERE id = @id";
        _findByKey = $"SELECT {Columns} FROM {t} WHERE idempotency_key = @key";
        _claim =
            $"WITH next AS (SELECT id FROM {t} "
            + $"WHERE state IN (0, 1) AND ((state = 0 AND (not_before IS NULL OR not_before <= @now)) OR (state = 1 AND lease_expires_at <= {clock})) "
            + "ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED) "
            + $"UPDATE {t} AS i SET state = 1, lease_owner = @owner, lease_expires_at = {clock} + @lease, attempts = i.attempts + 1, updated_at = @now "
            + $"FROM next WHERE i.id = next.id RETURNING {Sql.Prefixed(Columns, "i")}";
        // Series affinity in two statements of one transaction: pick a candidate whose series holds no live lease and
        // take a transaction-scoped advisory lock on its series (every series claim takes it, so claims of one series
        // are serialised); then, in a fresh snapshot that sees every claim committed before the lock was granted,
        // claim it only if its series still holds no live lease.
        _pickBySeries =
            $"SELECT c.id FROM {t} AS c "
            + $"WHERE c.state IN (0, 1) AND ((c.state = 0 AND (c.not_before IS NULL OR c.not_before <= @now)) OR (c.state = 1 AND c.lease_expires_at <= {clock})) "
            + $"AND NOT EXISTS (SELECT 1 FROM {t} AS r WHERE r.state = 1 AND r.blueprint_id = c.blueprint_id AND r.lease_expires_at > {clock}) "
            + "AND pg_try_advisory_xact_lock(1229866821, hashtext(c.blueprint_id)) "
            + "ORDER BY c.priority DESC, c.seq LIMIT 1 FOR UPDATE SKIP LOCKED";
        _claimPicked =
            $"UPDATE {t} AS i SET state = 1, lease_owner = @owner, lease_expires_at = {clock} + @lease, attempts = i.attempts + 1, updated_at = @now "
            + $"WHERE i.id = @id AND NOT EXISTS (SELECT 1 FROM {t} AS r WHERE r.state = 1 AND r.blueprint_id = i.blueprint_id AND r.id <> i.id AND r.lease_expires_at > {clock}) "
            + $"RETURNING {Sql.Prefixed(Columns, "i")}";
        _renew =
            $"UPDATE {t} SET lease_expires_at = {clock} + @lease, updated_at = @now "
            + $"WHERE id = @id AND state = 1 AND lease_owner = @owner RETURNING {Columns}";
        _leasedCheck = $"SELECT {Columns} FROM {t} WHERE id = @id AND state = 1 AND lease_owner = @owner AND attempts = @token FOR UPDATE";
        _leasedRenew =
            $"UPDATE {t} SET lease_expires_at = {clock} + @lease, updated_at = @now "
            + $"WHERE id = @id AND state = 1 AND lease_owner = @owner AND attempts = @token RETURNING {Columns}";
        _leasedRecordRun =
            $"UPDATE {t} SET run_id = @run_id, updated_at = @now "
            + $"WHERE id = @id AND state = 1 AND lease_owner = @owner AND attempts = @token RETURNING {Columns}";
        // A dispatch's finalizer records the run with the completion (the run id is set only when given).
        _leasedComplete =
            $"UPDATE {t} SET state = @state, new_version = @new_version, reason = @reason, run_id = COALESCE(@run_id, run_id), lease_owner = NULL, lease_expires_at = NULL, updated_at = @now "
            + $"WHERE id = @id AND state = 1 AND lease_owner = @owner AND attempts = @token RETURNING {Columns}";
        _leasedRelease =
            $"UPDATE {t} SET state = 0, lease_owner = NULL, lease_expires_at = NULL, not_before = @not_before, last_error = @error, updated_at = @now "
            + $"WHERE id = @id AND state = 1 AND lease_owner = @owner AND attempts = @token RETURNING {Columns}";
        _complete =
            $"UPDATE {t} SET state = @state, new_version = @new_version, reason = @reason, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now "
            + $"WHERE id = @id AND state = 1 AND lease_owner = @owner RETURNING {Columns}";
        _release =
            $"UPDATE {t} SET state = 0, lease_owner = NULL, lease_expires_at = NULL, not_before = @not_before, last_error = @error, updated_at = @now "
            + $"WHERE id = @id AND state = 1 AND lease_owner = @owner RETURNING {Columns}";
        _list = $"SELECT {Columns} FROM {t} WHERE seq > @after ORDER BY seq LIMIT @limit";
        _listByState = $"SELECT {Columns} FROM {t} WHERE state = @state AND seq > @after ORDER BY seq LIMIT @limit";
        var requeues = PostgresSchema.Quote(database.Schema) + ".issue_requeues";
        _lockForRequeue = $"SELECT {Columns} FROM {t} WHERE id = @id FOR UPDATE";

        // The state and round checks make the requeue a compare-and-swap: of two requeues of one dead letter, one moves it.
        _requeue =
            $"UPDATE {t} SET state = 0, new_version = NULL, reason = NULL, lease_owner = NULL, lease_expires_at = NULL, not_before = NULL, "
            + "last_error = NULL, round = round + 1, round_start_attempts = attempts, updated_at = @now "
            + $"WHERE id = @id AND state IN (3, 4) AND round = @round RETURNING {Columns}";
        _insertRequeue =
            $"INSERT INTO {requeues} (issue_id, round, requested_by, requeued_at, previous_state, previous_reason, previous_attempts) "
            + "VALUES (@id, @round, @requested_by, @now, @previous_state, @previous_reason, @previous_attempts)";
        _listRequeues =
            $"SELECT round, requested_by, requeued_at, previous_state, previous_reason, previous_attempts FROM {requeues} "
            + $"WHERE issue_id = @id ORDER BY round LIMIT {IssueRequeue.MaxRounds}";
    }

    /// <inheritdoc />
    public async Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var id = draft.Id ?? IssueId.New();
        var patch = draft.Patch is { } p ? Sql.Canonical(p) : null;
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_insert);
            command.AddText("id", id.Value);
            command.AddText("blueprint_id", draft.BlueprintId.Value);
            command.AddText("intent", draft.Intent);
            command.AddText("patch", patch);
            command.AddText("rationale", draft.Rationale);
            command.Add("bump", NpgsqlDbType.Smallint, (short)draft.Bump);
            command.AddText("title", draft.Title);
            command.AddText("description", draft.Description);
            command.Add("priority", NpgsqlDbType.Smallint, (short)draft.Priority);
            command.Add("labels", NpgsqlDbType.Array | NpgsqlDbType.Text, draft.Labels.ToArray());
            command.AddTime("due_at", draft.DueAt);
            command.Add("source_type", NpgsqlDbType.Smallint, draft.Source is { } s ? (short)s.Type : null);
            command.AddText("source_id", draft.Source?.SourceId);
            command.AddText("triggering_event_id", draft.Source?.TriggeringEventId);
            command.AddText("activity_definition_id", draft.Source?.ActivityDefinitionId);
            command.AddText("idempotency_key", draft.IdempotencyKey);
            command.AddText("target_repo", draft.TargetRepo);
            command.AddText("trace_parent", draft.TraceParent);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            if (_db.NotifyOnEnqueue)
            {
                command.AddText("channel", _db.EnqueueChannel);
            }

            var created = await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
            if (created is not null)
            {
                return new IssueCreateResult(created, true);
            }

            await using var existing = _db.DataSource.CreateCommand(_findExisting);
            existing.AddText("key", draft.IdempotencyKey);
            existing.AddText("id", id.Value);
            var found = await ReadOneAsync(existing, cancellationToken).ConfigureAwait(false)
                        ?? throw new StorageException($"Issue '{id}' conflicted on insert but could not be read back.");
            return new IssueCreateResult(found, false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"create issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_find);
            command.AddText("id", id.Value);
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_findByKey);
            command.AddText("key", idempotencyKey);
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "read an issue by idempotency key");
        }
    }

    /// <inheritdoc />
    public async Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var now = _db.TimeProvider.GetUtcNow();
        try
        {
            await using var command = _db.DataSource.CreateCommand(_claim);
            command.AddTime("now", now);
            command.AddText("owner", owner);
            command.Add("lease", NpgsqlDbType.Interval, leaseDuration);
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "claim an issue");
        }
    }

    /// <inheritdoc />
    public async Task<Issue?> ClaimNextBySeriesAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A pick whose series was claimed in between is given up; a few tries, then "nothing claimable" for now.
            for (var attempt = 0; attempt < 3; attempt++)
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
                var now = _db.TimeProvider.GetUtcNow();
                string? id;
                await using (var pick = new NpgsqlCommand(_pickBySeries, connection, tx))
                {
                    pick.AddTime("now", now);
                    id = (string?)await pick.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }

                if (id is null)
                {
                    await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return null;
                }

                Issue? claimed;
                await using (var claim = new NpgsqlCommand(_claimPicked, connection, tx))
                {
                    claim.AddText("id", id);
                    claim.AddText("owner", owner);
                    claim.AddTime("now", now);
                    claim.Add("lease", NpgsqlDbType.Interval, leaseDuration);
                    claimed = await ReadOneAsync(claim, cancellationToken).ConfigureAwait(false);
                }

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (claimed is not null)
                {
                    return claimed;
                }
            }

            return null;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "claim an issue");
        }
    }

    /// <inheritdoc />
    public async Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var now = _db.TimeProvider.GetUtcNow();
        try
        {
            await using var command = _db.DataSource.CreateCommand(_renew);
            command.AddText("id", id.Value);
            command.AddText("owner", owner);
            command.AddTime("now", now);
            command.Add("lease", NpgsqlDbType.Interval, leaseDuration);
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false)
                   ?? await LeaseConflictAsync(id, owner, "renew the lease of", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"renew the lease of issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(status);
        if (!status.IsTerminal)
        {
            throw new ArgumentException($"An issue can only be completed with a terminal status, not {status}.", nameof(status));
        }

        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_complete);
            command.AddText("id", id.Value);
            command.AddText("owner", owner);
            command.Add("state", NpgsqlDbType.Smallint, (short)status.State);
            command.AddText("new_version", status.NewVersion?.Value);
            command.AddText("reason", status.Reason);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false)
                   ?? await LeaseConflictAsync(id, owner, "complete", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"complete issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_release);
            command.AddText("id", id.Value);
            command.AddText("owner", owner);
            command.AddTime("not_before", notBefore);
            command.AddText("error", error);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false)
                   ?? await LeaseConflictAsync(id, owner, "release", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"release issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue> CheckLeaseAsync(IssueLease lease, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_leasedCheck.Replace(" FOR UPDATE", string.Empty, StringComparison.Ordinal));
            Leased(command, lease);
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false)
                   ?? throw await LeaseLostAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"check the lease of issue '{lease.IssueId}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue> RenewUnderLeaseAsync(IssueLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_leasedRenew);
            Leased(command, lease);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            command.Add("lease", NpgsqlDbType.Interval, leaseDuration);
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false)
                   ?? throw await LeaseLostAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"renew the lease of issue '{lease.IssueId}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue> RecordRunUnderLeaseAsync(IssueLease lease, CouncilRunId runId, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_leasedRecordRun);
            Leased(command, lease);
            command.AddText("run_id", runId.Value);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false)
                   ?? throw await LeaseLostAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"record the run of issue '{lease.IssueId}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue> CompleteUnderLeaseAsync(IssueLease lease, IssueStatus status, CancellationToken cancellationToken = default)
    {
        RequireTerminal(status);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_leasedComplete);
            BindComplete(command, lease, status);
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false)
                   ?? throw await LeaseLostAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"complete issue '{lease.IssueId}'");
        }
    }

    /// <inheritdoc />
    public async Task<Issue> ReleaseUnderLeaseAsync(IssueLease lease, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_leasedRelease);
            Leased(command, lease);
            command.AddTime("not_before", notBefore);
            command.AddText("error", error);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false)
                   ?? throw await LeaseLostAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"release issue '{lease.IssueId}'");
        }
    }

    /// <inheritdoc />
    public IDispatchFinalizer? CreateFinalizer(IBlueprintStore blueprints, IEnhanceLogStore log)
        => blueprints is PostgresBlueprintStore b && ReferenceEquals(b.Database, _db)
           && log is PostgresEnhanceLogStore l && ReferenceEquals(l.Database, _db)
            ? new PostgresDispatchFinalizer(this, b, l, null)
            : null;

    /// <inheritdoc />
    public IDispatchFinalizer? CreateFinalizer(IBlueprintStore blueprints, IEnhanceLogStore log, ICouncilRepository runs)
        => blueprints is PostgresBlueprintStore b && ReferenceEquals(b.Database, _db)
           && log is PostgresEnhanceLogStore l && ReferenceEquals(l.Database, _db)
           && runs is PostgresCouncilRepository r && ReferenceEquals(r.Database, _db)
            ? new PostgresDispatchFinalizer(this, b, l, r)
            : null;

    /// <summary>
    /// Finishes a dispatch in one transaction: locks the issue row under the lease, writes the commit, appends the
    /// log entry, completes the issue and stores the dispatch's run when given (<paramref name="runs"/> must then be
    /// set); any failure rolls all of it back.
    /// </summary>
    internal async Task<DispatchFinalized> FinalizeAsync(DispatchFinalization finalization, PostgresBlueprintStore blueprints, PostgresEnhanceLogStore log, PostgresCouncilRepository? runs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finalization);
        RequireTerminal(finalization.Status);
        if (finalization.Run is { } record)
        {
            if (runs is null)
            {
                throw new ArgumentException("This finalizer was made without a council repository, so it cannot write the dispatch's run.", nameof(finalization));
            }

            record.Validate();
        }

        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var lease = finalization.Lease;
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await using (var check = new NpgsqlCommand(_leasedCheck, connection, tx))
            {
                Leased(check, lease);
                if (await ReadOneAsync(check, cancellationToken).ConfigureAwait(false) is null)
                {
                    await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    throw await LeaseLostAsync(lease, cancellationToken).ConfigureAwait(false);
                }
            }

            var entry = finalization.Entry;
            var status = finalization.Status;
            Traced<Blueprint>? commit = null;
            if (finalization.Commit is { } c)
            {
                commit = await blueprints.WriteNewInAsync(connection, tx, c.BlueprintId, c.Blueprint, c.Parents, c.Metadata, c.Blueprint.Version, _db.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (status.State == IssueState.Applied && commit.Value.Version != status.NewVersion)
                {
                    status = IssueStatus.Applied(commit.Value.Version);
                    entry = entry with { NewVersion = commit.Value.Version };
                }
            }

            await log.AppendInAsync(connection, tx, entry, cancellationToken).ConfigureAwait(false);
            Issue issue;
            await using (var complete = new NpgsqlCommand(_leasedComplete, connection, tx))
            {
                BindComplete(complete, lease, status, entry.RunId);
                issue = await ReadOneAsync(complete, cancellationToken).ConfigureAwait(false)
                        ?? throw new StorageException($"Issue '{lease.IssueId}' was locked under lease '{lease}' but could not be completed.");
            }

            if (finalization.Run is { } run)
            {
                await runs!.WriteRunInAsync(connection, tx, run, cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new DispatchFinalized(issue, entry, commit);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation && ex.ConstraintName == "blueprint_versions_one_commit_per_issue")
        {
            throw new ConflictException($"Issue '{lease.IssueId}' already committed a version; nothing was written.", expected: null, actual: lease.IssueId.Value, innerException: ex);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"finish the dispatch of issue '{lease.IssueId}'");
        }
    }

    /// <inheritdoc />
    public async Task<IssueRequeueResult> RequeueAsync(IssueId id, string requestedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestedBy);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            Issue before;
            await using (var select = new NpgsqlCommand(_lockForRequeue, connection, tx))
            {
                select.AddText("id", id.Value);
                before = await ReadOneAsync(select, cancellationToken).ConfigureAwait(false)
                         ?? throw new NotFoundException("issue", id.Value);
            }

            if (before.Status.State is not (IssueState.Failed or IssueState.Rejected))
            {
                await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return new IssueRequeueResult(before, Requeued: false);
            }

            if (before.Round >= IssueRequeue.MaxRounds)
            {
                throw new ConflictException($"Issue '{id}' was requeued {before.Round} times, the most allowed; it stays {before.Status.State}.", expected: $"round < {IssueRequeue.MaxRounds}", actual: before.Round.ToString(CultureInfo.InvariantCulture));
            }

            var now = _db.TimeProvider.GetUtcNow();
            Issue after;
            await using (var requeue = new NpgsqlCommand(_requeue, connection, tx))
            {
                requeue.AddText("id", id.Value);
                requeue.Add("round", NpgsqlDbType.Integer, before.Round);
                requeue.AddTime("now", now);
                after = await ReadOneAsync(requeue, cancellationToken).ConfigureAwait(false)
                        ?? throw new StorageException($"Issue '{id}' was locked for a requeue but could not be requeued.");
            }

            await using (var insert = new NpgsqlCommand(_insertRequeue, connection, tx))
            {
                insert.AddText("id", id.Value);
                insert.Add("round", NpgsqlDbType.Integer, after.Round);
                insert.AddText("requested_by", requestedBy);
                insert.AddTime("now", now);
                insert.Add("previous_state", NpgsqlDbType.Smallint, (short)before.Status.State);
                insert.AddText("previous_reason", before.Status.Reason);
                insert.Add("previous_attempts", NpgsqlDbType.Integer, before.Attempts);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await NotifyEnqueuedAsync(connection, tx, after.BlueprintId.Value, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new IssueRequeueResult(after, Requeued: true);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"requeue issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IssueRequeue>> ListRequeuesAsync(IssueId id, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var list = new List<IssueRequeue>();
            await using (var command = _db.DataSource.CreateCommand(_listRequeues))
            {
                command.AddText("id", id.Value);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(new IssueRequeue
                    {
                        IssueId = id,
                        Round = reader.GetInt32(0),
                        RequestedBy = reader.GetString(1),
                        RequeuedAt = reader.Time(2),
                        PreviousStatus = IssueStatus.FromParts((IssueState)reader.GetInt16(3), null, reader.NullableString(4)),
                        PreviousAttempts = reader.GetInt32(5),
                    });
                }
            }

            if (list.Count == 0)
            {
                await using var find = _db.DataSource.CreateCommand(_find);
                find.AddText("id", id.Value);
                _ = await ReadOneAsync(find, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("issue", id.Value);
            }

            return list;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read the requeues of issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000)
        {
            throw new ValidationException("$.limit", "The page size must be between 1 and 1000.");
        }

        long after = 0;
        if (query.ContinuationToken is { } token
            && (!long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 0))
        {
            throw new ValidationException("$.continuation_token", "The continuation token was not issued by this store.");
        }

        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(query.State is null ? _list : _listByState);
            if (query.State is { } state)
            {
                command.Add("state", NpgsqlDbType.Smallint, (short)state);
            }

            command.Add("after", NpgsqlDbType.Bigint, after);
            command.Add("limit", NpgsqlDbType.Integer, query.Limit + 1);
            var items = new List<Issue>(query.Limit + 1);
            long lastSeq = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (items.Count == query.Limit)
                    {
                        return new IssuePage(items, lastSeq.ToString(CultureInfo.InvariantCulture));
                    }

                    items.Add(Map(reader));
                    lastSeq = reader.GetInt64(26);
                }
            }

            return new IssuePage(items, null);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "list issues");
        }
    }

    private static void RequireTerminal(IssueStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!status.IsTerminal)
        {
            throw new ArgumentException($"An issue can only be completed with a terminal status, not {status}.", nameof(status));
        }
    }

    private static void Leased(NpgsqlCommand command, IssueLease lease)
    {
        command.AddText("id", lease.IssueId.Value);
        command.AddText("owner", lease.Owner);
        command.Add("token", NpgsqlDbType.Integer, checked((int)lease.Token));
    }

    private void BindComplete(NpgsqlCommand command, IssueLease lease, IssueStatus status, CouncilRunId? runId = null)
    {
        Leased(command, lease);
        command.Add("state", NpgsqlDbType.Smallint, (short)status.State);
        command.AddText("new_version", status.NewVersion?.Value);
        command.AddText("reason", status.Reason);
        command.AddText("run_id", runId?.Value);
        command.AddTime("now", _db.TimeProvider.GetUtcNow());
    }

    private async Task<Exception> LeaseLostAsync(IssueLease lease, CancellationToken cancellationToken)
    {
        var stored = await FindAsync(lease.IssueId, cancellationToken).ConfigureAwait(false);
        return stored is null ? new NotFoundException("issue", lease.IssueId.Value) : lease.Lost(stored);
    }

    private async Task<Issue> LeaseConflictAsync(IssueId id, string owner, string action, CancellationToken cancellationToken)
    {
        var current = await FindAsync(id, cancellationToken).ConfigureAwait(false)
                      ?? throw new NotFoundException("issue", id.Value);
        var actual = current.Status.State == IssueState.Running ? current.LeaseOwner : current.Status.ToString();
        throw new ConflictException(
            $"Cannot {action} issue '{id}': '{owner}' does not hold its lease (it is {current.Status}{(current.LeaseOwner is null ? string.Empty : $", held by '{current.LeaseOwner}'")}).",
            expected: owner,
            actual: actual);
    }

    private static async Task<Issue?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Map(reader) : null;
    }

    private static Issue Map(NpgsqlDataReader r)
    {
        var id = r.GetString(0);
        var state = (IssueState)r.GetInt16(16);
        var newVersion = r.NullableString(17);
        IssueStatus status;
        try
        {
            status = IssueStatus.FromParts(state, newVersion is null ? null : BlueprintVersion.Parse(newVersion), r.NullableString(18));
        }
        catch (Exception ex) when (ex is ArgumentException or ValidationException)
        {
            throw new StorageException($"The stored status of issue '{id}' is not valid.", ex);
        }

        return new Issue
        {
            Id = IssueId.Parse(id),
            BlueprintId = BlueprintId.Parse(r.GetString(1)),
            Intent = r.GetString(2),
            Patch = r.NullableString(3) is { } patch ? Sql.ReadCanonical(patch, $"patch of issue '{id}'") : null,
            Rationale = r.NullableString(4),
            Bump = (VersionBump)r.GetInt16(5),
            Title = r.GetString(6),
            Description = r.NullableString(7),
            Priority = (IssuePriority)r.GetInt16(8),
            Labels = r.GetFieldValue<string[]>(9),
            DueAt = r.NullableTime(10),
            Source = r.IsDBNull(11)
                ? null
                : new IssueSource((IssueSourceType)r.GetInt16(11), r.NullableString(12), r.NullableString(13), r.NullableString(14)),
            IdempotencyKey = r.NullableString(15),
            Status = status,
            Attempts = r.GetInt32(19),
            LeaseOwner = r.NullableString(20),
            LeaseExpiresAt = r.NullableTime(21),
            NotBefore = r.NullableTime(22),
            LastError = r.NullableString(23),
            CreatedAt = r.Time(24),
            UpdatedAt = r.Time(25),
            Round = r.GetInt32(27),
            RoundStartAttempts = r.GetInt32(28),
            TargetRepo = r.NullableString(29),
            TraceParent = r.NullableString(30),
            RunId = r.NullableString(31) is { } runId ? CouncilRunId.Parse(runId) : null,
        };
    }
}
