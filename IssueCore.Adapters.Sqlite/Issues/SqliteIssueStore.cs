using System.Globalization;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// <see cref="IIssueStore"/> over SQLite. Claims are one <c>UPDATE … RETURNING</c> statement inside
/// <c>BEGIN IMMEDIATE</c>, so exactly one claimer wins, also across processes sharing the file.
/// Lease expiry is judged by the database's <see cref="SqliteDatabase.TimeProvider"/>, never by the
/// SQLite clock.
/// </summary>
/// <remarks>
/// Every transition under a lease checks the owner and the fencing token (<see cref="IssueLease.Token"/>, the claim
/// count) in the same statement. It provides the <see cref="IDispatchFinalizer"/> of the SQLite Blueprint store and
/// enhance log over the same database: the commit, the log entry and the completion are one transaction.
/// </remarks>
public sealed partial class SqliteIssueStore : IIssueStore, IDispatchFinalizerProvider
{
    private const string TokenPrefix = "sqlite1:";

    private const string Columns =
        "seq, id, blueprint_id, intent, patch, rationale, bump, title, description, priority, labels, due_at, " +
        "source_type, source_id, triggering_event_id, activity_definition_id, idempotency_key, state, new_version, reason, " +
        "attempts, lease_owner, lease_expires_at, not_before, last_error, created_at, updated_at, round, round_start_attempts" +
        ", target_repo, trace_parent, run_id";

    private const string InsertSql =
        "INSERT INTO issues (id, blueprint_id, intent, patch, rationale, bump, title, description, priority, labels, due_at, " +
        "source_type, source_id, triggering_event_id, activity_definition_id, idempotency_key, state, attempts, created_at, updated_at" +
        ", target_repo, trace_parent) " +
        "VALUES (@id, @blueprint_id, @intent, @patch, @rationale, @bump, @title, @description, @priority, @labels, @due_at, " +
        "@source_type, @source_id, @triggering_event_id, @activity_definition_id, @idempotency_key, 'pending', 0, @now, @now" +
        ", @target_repo, @trace_parent) " +
        "ON CONFLICT DO NOTHING RETURNING " + Columns + ";";

    private const string FindSql = "SELECT " + Columns + " FROM issues WHERE id = @id;";

    private const string FindByKeySql = "SELECT " + Columns + " FROM issues WHERE idempotency_key = @key;";

    // The best pending candidate and the best expired lease, each read from its own partial index,
    // then the better of the two; the whole claim is one statement.
    private const string ClaimCandidateSql =
        "SELECT seq FROM (" +
        "SELECT seq, priority FROM (SELECT seq, priority FROM issues INDEXED BY ix_issues_pending_claim " +
        "WHERE state = 'pending' AND (not_before IS NULL OR not_before <= @now) ORDER BY priority DESC, seq LIMIT 1) " +
        "UNION ALL " +
        "SELECT seq, priority FROM (SELECT seq, priority FROM issues INDEXED BY ix_issues_running_claim " +
        "WHERE state = 'running' AND lease_expires_at <= @now ORDER BY priority DESC, seq LIMIT 1)" +
        ") ORDER BY priority DESC, seq LIMIT 1";

    internal const string ClaimSql =
        "UPDATE issues SET state = 'running', lease_owner = @owner, lease_expires_at = @expires, attempts = attempts + 1, not_before = NULL, updated_at = @now " +
        "WHERE seq = (" + ClaimCandidateSql + ") RETURNING " + Columns + ";";

    // As ClaimSql, skipping every issue whose series holds a live lease (series affinity).
    private const string ClaimCandidateBySeriesSql =
        "SELECT seq FROM (" +
        "SELECT seq, priority FROM (SELECT c.seq, c.priority FROM issues AS c INDEXED BY ix_issues_pending_claim " +
        "WHERE c.state = 'pending' AND (c.not_before IS NULL OR c.not_before <= @now) " +
        "AND NOT EXISTS (SELECT 1 FROM issues AS r WHERE r.state = 'running' AND r.blueprint_id = c.blueprint_id AND r.lease_expires_at > @now) " +
        "ORDER BY c.priority DESC, c.seq LIMIT 1) " +
        "UNION ALL " +
        "SELECT seq, priority FROM (SELECT c.seq, c.priority FROM issues AS c INDEXED BY ix_issues_running_claim " +
        "WHERE c.state = 'running' AND c.lease_expires_at <= @now " +
        "AND NOT EXISTS (SELECT 1 FROM issues AS r WHERE r.state = 'running' AND r.blueprint_id = c.blueprint_id AND r.lease_expires_at > @now) " +
        "ORDER BY c.priority DESC, c.seq LIMIT 1)" +
        ") ORDER BY priority DESC, seq LIMIT 1";

    internal const string ClaimBySeriesSql =
        "UPDATE issues SET state = 'running', lease_owner = @owner, lease_expires_at = @expires, attempts = attempts + 1, not_before = NULL, updated_at = @now " +
        "WHERE seq = (" + ClaimCandidateBySeriesSql + ") RETURNING " + Columns + ";";

    // The claims' candidate searches alone, read without the write lock (see ClaimAsync).
    internal const string ClaimProbeSql = ClaimCandidateSql + ";";

    internal const string ClaimBySeriesProbeSql = ClaimCandidateBySeriesSql + ";";

    private const string RenewSql =
        "UPDATE issues SET lease_expires_at = @expires, updated_at = @now " +
        "WHERE id = @id AND lease_owner = @owner AND state = 'running' RETURNING " + Columns + ";";

    private const string CompleteSql =
        "UPDATE issues SET state = @state, new_version = @new_version, reason = @reason, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now " +
        "WHERE id = @id AND lease_owner = @owner AND state = 'running' RETURNING " + Columns + ";";

    private const string ReleaseSql =
        "UPDATE issues SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, not_before = @not_before, last_error = @error, updated_at = @now " +
        "WHERE id = @id AND lease_owner = @owner AND state = 'running' RETURNING " + Columns + ";";

    private const string LeasedRenewSql =
        "UPDATE issues SET lease_expires_at = @expires, updated_at = @now " +
        "WHERE id = @id AND lease_owner = @owner AND attempts = @token AND state = 'running' RETURNING " + Columns + ";";

    // A dispatch's finalizer records the run with the completion (the run id is set only when given).
    private const string LeasedCompleteSql =
        "UPDATE issues SET state = @state, new_version = @new_version, reason = @reason, run_id = COALESCE(@run_id, run_id), lease_owner = NULL, lease_expires_at = NULL, updated_at = @now " +
        "WHERE id = @id AND lease_owner = @owner AND attempts = @token AND state = 'running' RETURNING " + Columns + ";";

    private const string LeasedReleaseSql =
        "UPDATE issues SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, not_before = @not_before, last_error = @error, updated_at = @now " +
        "WHERE id = @id AND lease_owner = @owner AND attempts = @token AND state = 'running' RETURNING " + Columns + ";";

    private const string LeasedRecordRunSql =
        "UPDATE issues SET run_id = @run_id, updated_at = @now " +
        "WHERE id = @id AND lease_owner = @owner AND attempts = @token AND state = 'running' RETURNING " + Columns + ";";

    private const string LeasedCheckSql =
        "SELECT " + Columns + " FROM issues WHERE id = @id AND lease_owner = @owner AND attempts = @token AND state = 'running';";

    private const string LeaseProbeSql = "SELECT state, lease_owner FROM issues WHERE id = @id;";

    private const string ListSql = "SELECT " + Columns + " FROM issues WHERE seq > @after ORDER BY seq LIMIT @limit;";

    private const string ListByStateSql = "SELECT " + Columns + " FROM issues WHERE state = @state AND seq > @after ORDER BY seq LIMIT @limit;";

    // The round check makes the requeue a compare-and-swap: of two requeues of one dead letter, one moves it.
    private const string RequeueSql =
        "UPDATE issues SET state = 'pending', new_version = NULL, reason = NULL, lease_owner = NULL, lease_expires_at = NULL, not_before = NULL, " +
        "last_error = NULL, round = round + 1, round_start_attempts = attempts, updated_at = @now " +
        "WHERE id = @id AND state IN ('failed', 'rejected') AND round = @round RETURNING " + Columns + ";";

    private const string InsertRequeueSql =
        "INSERT INTO issue_requeues (issue_id, round, requested_by, requeued_at, previous_state, previous_reason, previous_attempts) " +
        "VALUES (@id, @round, @requested_by, @now, @previous_state, @previous_reason, @previous_attempts);";

    private const string ListRequeuesSql =
        "SELECT issue_id, round, requested_by, requeued_at, previous_state, previous_reason, previous_attempts FROM issue_requeues " +
        "WHERE issue_id = @id ORDER BY round LIMIT 100;";

    private readonly SqliteDatabase _database;

    /// <summary>Whether this store's last write claim found nothing to claim (its next claim then reads first).</summary>
    private bool _lastClaimFoundNothing;

    /// <summary>Creates the store over a shared database.</summary>
    /// <param name="database">The database file (shared with the other SQLite stores).</param>
    public SqliteIssueStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <inheritdoc />
    public Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(draft.Intent);
        var id = draft.Id ?? IssueId.New();
        var now = _database.TimeProvider.GetUtcNow();
        return _database.WriteAsync(
            "Creating an issue",
            async (session, ct) =>
            {
                var insert = session.Command(InsertSql)
                    .With("@id", id.Value)
                    .With("@blueprint_id", draft.BlueprintId.Value)
                    .With("@intent", draft.Intent)
                    .With("@patch", draft.Patch is { } patch ? SqliteJson.WriteElement(patch) : null)
                    .With("@rationale", draft.Rationale)
                    .With("@bump", (int)draft.Bump)
                    .With("@title", draft.Title ?? string.Empty)
                    .With("@description", draft.Description)
                    .With("@priority", (int)draft.Priority)
                    .With("@labels", SqliteJson.WriteStrings(draft.Labels ?? []))
                    .With("@due_at", SqliteTime.ToDb(draft.DueAt))
                    .With("@source_type", draft.Source is { } s ? (int)s.Type : null)
                    .With("@source_id", draft.Source?.SourceId)
                    .With("@triggering_event_id", draft.Source?.TriggeringEventId)
                    .With("@activity_definition_id", draft.Source?.ActivityDefinitionId)
                    .With("@idempotency_key", draft.IdempotencyKey)
                    .With("@target_repo", draft.TargetRepo)
                    .With("@trace_parent", draft.TraceParent)
                    .With("@now", SqliteTime.ToTicks(now));
                var created = await ReadOneAsync(insert, ct).ConfigureAwait(false);
                if (created is not null)
                {
                    return new IssueCreateResult(created, Created: true);
                }

                // Nothing inserted: the key or the id exists. Return that issue (same transaction).
                Issue? existing = null;
                if (draft.IdempotencyKey is { } key)
                {
                    existing = await ReadOneAsync(session.Command(FindByKeySql).With("@key", key), ct).ConfigureAwait(false);
                }

                existing ??= await ReadOneAsync(session.Command(FindSql).With("@id", id.Value), ct).ConfigureAwait(false);
                return existing is not null
                    ? new IssueCreateResult(existing, Created: false)
                    : throw new ConflictException($"Issue '{id}' could not be created: a uniqueness constraint refused it.");
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IssueRequeueResult> RequeueAsync(IssueId id, string requestedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestedBy);
        return _database.WriteAsync(
            "Requeueing an issue",
            async (session, ct) =>
            {
                var before = await ReadOneAsync(session.Command(FindSql).With("@id", id.Value), ct).ConfigureAwait(false)
                             ?? throw new NotFoundException("issue", id.Value);
                if (before.Status.State is not (IssueState.Failed or IssueState.Rejected))
                {
                    return new IssueRequeueResult(before, Requeued: false);
                }

                if (before.Round >= IssueRequeue.MaxRounds)
                {
                    throw new ConflictException($"Issue '{id}' was requeued {before.Round} times, the most allowed; it stays {before.Status.State}.", expected: $"round < {IssueRequeue.MaxRounds}", actual: before.Round.ToString(CultureInfo.InvariantCulture));
                }

                var now = SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow());
                var requeue = session.Command(RequeueSql).With("@id", id.Value).With("@round", before.Round).With("@now", now);
                var after = await ReadOneAsync(requeue, ct).ConfigureAwait(false);
                if (after is null)
                {
                    // Unreachable under the write lock; kept so a change of locking can never requeue twice.
                    var current = await ReadOneAsync(session.Command(FindSql).With("@id", id.Value), ct).ConfigureAwait(false);
                    return new IssueRequeueResult(current ?? before, Requeued: false);
                }

                await session.Command(InsertRequeueSql)
                    .With("@id", id.Value)
                    .With("@round", after.Round)
                    .With("@requested_by", requestedBy)
                    .With("@now", now)
                    .With("@previous_state", StateText(before.Status.State))
                    .With("@previous_reason", before.Status.Reason)
                    .With("@previous_attempts", before.Attempts)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return new IssueRequeueResult(after, Requeued: true);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IssueRequeue>> ListRequeuesAsync(IssueId id, CancellationToken cancellationToken = default)
        => _database.ReadAsync<IReadOnlyList<IssueRequeue>>(
            "Reading an issue's requeues",
            async (session, ct) =>
            {
                var list = new List<IssueRequeue>();
                var reader = await session.Command(ListRequeuesSql).With("@id", id.Value).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        list.Add(new IssueRequeue
                        {
                            IssueId = id,
                            Round = reader.GetInt32(1),
                            RequestedBy = reader.GetString(2),
                            RequeuedAt = reader.GetTime(3),
                            PreviousStatus = IssueStatus.FromParts(ParseState(reader.GetString(4)), null, reader.GetStringOrNull(5)),
                            PreviousAttempts = reader.GetInt32(6),
                        });
                    }
                }

                if (list.Count == 0 && await ReadOneAsync(session.Command(FindSql).With("@id", id.Value), ct).ConfigureAwait(false) is null)
                {
                    throw new NotFoundException("issue", id.Value);
                }

                return list;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default)
        => _database.ReadAsync(
            "Reading an issue",
            (session, ct) => ReadOneAsync(session.Command(FindSql).With("@id", id.Value), ct),
            cancellationToken);

    /// <inheritdoc />
    public Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        return _database.ReadAsync(
            "Reading an issue by idempotency key",
            (session, ct) => ReadOneAsync(session.Command(FindByKeySql).With("@key", idempotencyKey), ct),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        => ClaimAsync(ClaimSql, ClaimProbeSql, "Claiming an issue", owner, leaseDuration, cancellationToken);

    /// <inheritdoc />
    public Task<Issue?> ClaimNextBySeriesAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        => ClaimAsync(ClaimBySeriesSql, ClaimBySeriesProbeSql, "Claiming an issue of a free series", owner, leaseDuration, cancellationToken);

    /// <summary>
    /// Claims in one write transaction. While another writer of this process holds the write lock, or after a claim of
    /// this store found nothing, the candidate search runs first as a read, which takes no lock: when it finds nothing
    /// (the queue is empty, or every pending issue's series is busy, as for the other dispatchers of one series), the
    /// claim returns <see langword="null"/> without a write transaction, and the running dispatches keep the write
    /// lock to themselves to finish. The read sees the last committed state, as a claim made a moment earlier would.
    /// </summary>
    private async Task<Issue?> ClaimAsync(string sql, string probeSql, string operation, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        if ((_database.IsWriting || Volatile.Read(ref _lastClaimFoundNothing))
            && await _database.ReadAsync(
                "Looking for a claimable issue",
                async (session, ct) => await session.Command(probeSql)
                    .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()))
                    .ExecuteScalarAsync(ct).ConfigureAwait(false) is null,
                cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await _database.WriteAsync(
            operation,
            async (session, ct) =>
            {
                // Read the clock inside the write lock, so claims from several processes see time move forward.
                var now = _database.TimeProvider.GetUtcNow();
                var claim = session.Command(sql)
                    .With("@owner", owner)
                    .With("@expires", SqliteTime.AddSaturating(now, leaseDuration))
                    .With("@now", SqliteTime.ToTicks(now));
                var claimed = await ReadOneAsync(claim, ct).ConfigureAwait(false);
                Volatile.Write(ref _lastClaimFoundNothing, claimed is null);
                return claimed;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        return _database.WriteAsync(
            "Renewing a lease",
            async (session, ct) =>
            {
                var now = _database.TimeProvider.GetUtcNow();
                var renew = session.Command(RenewSql)
                    .With("@id", id.Value)
                    .With("@owner", owner)
                    .With("@expires", SqliteTime.AddSaturating(now, leaseDuration))
                    .With("@now", SqliteTime.ToTicks(now));
                return await ReadOneAsync(renew, ct).ConfigureAwait(false)
                    ?? throw await LeaseFailureAsync(session, id, owner, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(status);
        if (!status.IsTerminal)
        {
            throw new ArgumentException($"Only a terminal status completes an issue; {status.State} is not terminal.", nameof(status));
        }

        return _database.WriteAsync(
            "Completing an issue",
            async (session, ct) =>
            {
                var complete = session.Command(CompleteSql)
                    .With("@id", id.Value)
                    .With("@owner", owner)
                    .With("@state", StateText(status.State))
                    .With("@new_version", status.NewVersion?.Value)
                    .With("@reason", status.Reason)
                    .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()));
                return await ReadOneAsync(complete, ct).ConfigureAwait(false)
                    ?? throw await LeaseFailureAsync(session, id, owner, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return _database.WriteAsync(
            "Releasing an issue",
            async (session, ct) =>
            {
                var release = session.Command(ReleaseSql)
                    .With("@id", id.Value)
                    .With("@owner", owner)
                    .With("@not_before", SqliteTime.ToTicks(notBefore))
                    .With("@error", error)
                    .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()));
                return await ReadOneAsync(release, ct).ConfigureAwait(false)
                    ?? throw await LeaseFailureAsync(session, id, owner, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<Issue> CheckLeaseAsync(IssueLease lease, CancellationToken cancellationToken = default)
        => _database.ReadAsync(
            "Checking a lease",
            async (session, ct) => await ReadOneAsync(Leased(session.Command(LeasedCheckSql), lease), ct).ConfigureAwait(false)
                ?? throw await LeaseLostAsync(session, lease, ct).ConfigureAwait(false),
            cancellationToken);

    /// <inheritdoc />
    public Task<Issue> RenewUnderLeaseAsync(IssueLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        return _database.WriteAsync(
            "Renewing a lease",
            async (session, ct) =>
            {
                var now = _database.TimeProvider.GetUtcNow();
                var renew = Leased(session.Command(LeasedRenewSql), lease)
                    .With("@expires", SqliteTime.AddSaturating(now, leaseDuration))
                    .With("@now", SqliteTime.ToTicks(now));
                return await ReadOneAsync(renew, ct).ConfigureAwait(false)
                    ?? throw await LeaseLostAsync(session, lease, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<Issue> RecordRunUnderLeaseAsync(IssueLease lease, CouncilRunId runId, CancellationToken cancellationToken = default)
        => _database.WriteAsync(
            "Recording an issue's run",
            async (session, ct) =>
            {
                var record = Leased(session.Command(LeasedRecordRunSql), lease)
                    .With("@run_id", runId.Value)
                    .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()));
                return await ReadOneAsync(record, ct).ConfigureAwait(false)
                    ?? throw await LeaseLostAsync(session, lease, ct).ConfigureAwait(false);
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<Issue> CompleteUnderLeaseAsync(IssueLease lease, IssueStatus status, CancellationToken cancellationToken = default)
    {
        RequireTerminal(status);
        return _database.WriteAsync("Completing an issue", (session, ct) => CompleteInAsync(session, lease, status, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<Issue> ReleaseUnderLeaseAsync(IssueLease lease, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
        => _database.WriteAsync(
            "Releasing an issue",
            async (session, ct) =>
            {
                var release = Leased(session.Command(LeasedReleaseSql), lease)
                    .With("@not_before", SqliteTime.ToTicks(notBefore))
                    .With("@error", error)
                    .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()));
                return await ReadOneAsync(release, ct).ConfigureAwait(false)
                    ?? throw await LeaseLostAsync(session, lease, ct).ConfigureAwait(false);
            },
            cancellationToken);

    /// <inheritdoc />
    public IDispatchFinalizer? CreateFinalizer(IBlueprintStore blueprints, IEnhanceLogStore log)
        => blueprints is SqliteBlueprintStore b && ReferenceEquals(b.Database, _database)
           && log is SqliteEnhanceLogStore l && ReferenceEquals(l.Database, _database)
            ? new SqliteDispatchFinalizer(this, b, null)
            : null;

    /// <inheritdoc />
    public IDispatchFinalizer? CreateFinalizer(IBlueprintStore blueprints, IEnhanceLogStore log, ICouncilRepository runs)
        => blueprints is SqliteBlueprintStore b && ReferenceEquals(b.Database, _database)
           && log is SqliteEnhanceLogStore l && ReferenceEquals(l.Database, _database)
           && runs is SqliteCouncilRepository r && ReferenceEquals(r.Database, _database)
            ? new SqliteDispatchFinalizer(this, b, r)
            : null;

    /// <summary>
    /// Finishes a dispatch in one <c>BEGIN IMMEDIATE</c> transaction: the lease check, the commit, the log entry and
    /// the completion, and the dispatch's run when given (<paramref name="runs"/> must then be set); any failure rolls all
    /// of it back.
    /// </summary>
    internal Task<DispatchFinalized> FinalizeAsync(DispatchFinalization finalization, SqliteBlueprintStore blueprints, SqliteCouncilRepository? runs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finalization);
        RequireTerminal(finalization.Status);
        SqliteCouncilRepository.PreparedRun? prepared = null;
        if (finalization.Run is { } record)
        {
            if (runs is null)
            {
                throw new ArgumentException("This finalizer was made without a council repository, so it cannot write the dispatch's run.", nameof(finalization));
            }

            record.Validate();
            prepared = SqliteCouncilRepository.Prepare(record);
        }

        return _database.WriteAsync(
            "Finishing a dispatch",
            async (session, ct) =>
            {
                var lease = finalization.Lease;
                _ = await ReadOneAsync(Leased(session.Command(LeasedCheckSql), lease), ct).ConfigureAwait(false)
                    ?? throw await LeaseLostAsync(session, lease, ct).ConfigureAwait(false);
                var entry = finalization.Entry;
                var status = finalization.Status;
                Traced<Blueprint>? commit = null;
                if (finalization.Commit is { } c)
                {
                    commit = await blueprints.WriteNewInAsync(session, c.BlueprintId, c.Blueprint, [.. c.Parents], c.Metadata, ct).ConfigureAwait(false);
                    if (status.State == IssueState.Applied && commit.Value.Version != status.NewVersion)
                    {
                        status = IssueStatus.Applied(commit.Value.Version);
                        entry = entry with { NewVersion = commit.Value.Version };
                    }
                }

                await SqliteEnhanceLogStore.AppendInAsync(session, entry, ct).ConfigureAwait(false);
                var issue = await CompleteInAsync(session, lease, status, ct, entry.RunId).ConfigureAwait(false);
                if (prepared is { } run)
                {
                    await SqliteCouncilRepository.WriteRunInAsync(session, run, ct).ConfigureAwait(false);
                }

                return new DispatchFinalized(issue, entry, commit);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000)
        {
            throw new ValidationException("$.limit", "The page size must be between 1 and 1000.");
        }

        long after = 0;
        if (query.ContinuationToken is { } token
            && (!token.StartsWith(TokenPrefix, StringComparison.Ordinal)
                || !long.TryParse(token.AsSpan(TokenPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            throw new ValidationException("$.continuation_token", "The continuation token was not issued by this store.");
        }

        return _database.ReadAsync(
            "Listing issues",
            async (session, ct) =>
            {
                var list = query.State is { } state
                    ? session.Command(ListByStateSql).With("@state", StateText(state))
                    : session.Command(ListSql);
                list.With("@after", after).With("@limit", query.Limit + 1);
                var items = new List<Issue>(Math.Min(query.Limit + 1, 128));
                long lastSeq = 0;
                var reader = await list.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (items.Count < query.Limit && await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        lastSeq = reader.GetInt64(0);
                        items.Add(Map(reader));
                    }

                    var more = items.Count == query.Limit && await reader.ReadAsync(ct).ConfigureAwait(false);
                    return new IssuePage(items, more ? TokenPrefix + lastSeq.ToString(CultureInfo.InvariantCulture) : null);
                }
            },
            cancellationToken);
    }

    private static void RequireTerminal(IssueStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!status.IsTerminal)
        {
            throw new ArgumentException($"Only a terminal status completes an issue; {status.State} is not terminal.", nameof(status));
        }
    }

    private static SqliteCommand Leased(SqliteCommand command, IssueLease lease)
        => command.With("@id", lease.IssueId.Value).With("@owner", lease.Owner).With("@token", lease.Token);

    private async Task<Issue> CompleteInAsync(SqliteSession session, IssueLease lease, IssueStatus status, CancellationToken ct, CouncilRunId? runId = null)
    {
        var complete = Leased(session.Command(LeasedCompleteSql), lease)
            .With("@state", StateText(status.State))
            .With("@new_version", status.NewVersion?.Value)
            .With("@reason", status.Reason)
            .With("@run_id", runId?.Value)
            .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()));
        return await ReadOneAsync(complete, ct).ConfigureAwait(false)
            ?? throw await LeaseLostAsync(session, lease, ct).ConfigureAwait(false);
    }

    private static async Task<Exception> LeaseLostAsync(SqliteSession session, IssueLease lease, CancellationToken cancellationToken)
    {
        var stored = await ReadOneAsync(session.Command(FindSql).With("@id", lease.IssueId.Value), cancellationToken).ConfigureAwait(false);
        return stored is null ? new NotFoundException("issue", lease.IssueId.Value) : lease.Lost(stored);
    }

    private static async Task<Exception> LeaseFailureAsync(SqliteSession session, IssueId id, string owner, CancellationToken cancellationToken)
    {
        var probe = session.Command(LeaseProbeSql).With("@id", id.Value);
        var reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new NotFoundException("issue", id.Value);
            }

            var state = reader.GetString(0);
            var holder = reader.GetStringOrNull(1);
            return state == "running"
                ? new ConflictException($"Issue '{id}' is leased by '{holder}', not by '{owner}'.", expected: owner, actual: holder)
                : new ConflictException($"Issue '{id}' is {state}, not running; '{owner}' holds no lease on it.", expected: "running", actual: state);
        }
    }

    private static async Task<Issue?> ReadOneAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Map(reader) : null;
        }
    }

    private static string StateText(IssueState state) => state switch
    {
        IssueState.Pending => "pending",
        IssueState.Running => "running",
        IssueState.Applied => "applied",
        IssueState.Rejected => "rejected",
        IssueState.Failed => "failed",
        IssueState.AwaitingApproval => "awaiting_approval",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown issue state."),
    };

    private static IssueState ParseState(string text) => text switch
    {
        "pending" => IssueState.Pending,
        "running" => IssueState.Running,
        "applied" => IssueState.Applied,
        "rejected" => IssueState.Rejected,
        "failed" => IssueState.Failed,
        "awaiting_approval" => IssueState.AwaitingApproval,
        _ => throw new StorageException($"Unknown issue state '{text}' in the issues table."),
    };

    private static Issue Map(SqliteDataReader r)
    {
        var id = r.GetString(1);
        try
        {
            var sourceType = r.GetInt64OrNull(12);
            var newVersion = r.GetStringOrNull(18);
            return new Issue
            {
                Id = IssueId.Parse(id),
                BlueprintId = BlueprintId.Parse(r.GetString(2)),
                Intent = r.GetString(3),
                Patch = r.GetStringOrNull(4) is { } patch ? SqliteJson.ReadElement(patch) : null,
                Rationale = r.GetStringOrNull(5),
                Bump = (VersionBump)r.GetInt32(6),
                Title = r.GetString(7),
                Description = r.GetStringOrNull(8),
                Priority = (IssuePriority)r.GetInt32(9),
                Labels = SqliteJson.ReadStrings(r.GetString(10)),
                DueAt = r.GetTimeOrNull(11),
                Source = sourceType is { } type
                    ? new IssueSource((IssueSourceType)type, r.GetStringOrNull(13), r.GetStringOrNull(14), r.GetStringOrNull(15))
                    : null,
                IdempotencyKey = r.GetStringOrNull(16),
                Status = IssueStatus.FromParts(ParseState(r.GetString(17)), newVersion is null ? null : BlueprintVersion.Parse(newVersion), r.GetStringOrNull(19)),
                Attempts = r.GetInt32(20),
                LeaseOwner = r.GetStringOrNull(21),
                LeaseExpiresAt = r.GetTimeOrNull(22),
                NotBefore = r.GetTimeOrNull(23),
                LastError = r.GetStringOrNull(24),
                CreatedAt = r.GetTime(25),
                UpdatedAt = r.GetTime(26),
                Round = r.GetInt32(27),
                RoundStartAttempts = r.GetInt32(28),
                TargetRepo = r.GetStringOrNull(29),
                TraceParent = r.GetStringOrNull(30),
                RunId = r.GetStringOrNull(31) is { } runId ? CouncilRunId.Parse(runId) : null,
            };
        }
        catch (Exception ex) when (ex is ValidationException or ArgumentException or System.Text.Json.JsonException or FormatException)
        {
            throw new StorageException($"The stored issue '{id}' is not readable: {ex.Message}", ex);
        }
    }
}
