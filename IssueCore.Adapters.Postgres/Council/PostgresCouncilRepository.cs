using System.Runtime.CompilerServices;
using System.Text.Json;
using IssueCore.Adapters.Postgres.Storage;
using IssueCore.Council;
using Npgsql;
using NpgsqlTypes;

namespace IssueCore.Adapters.Postgres;

/// <summary>
/// Flow runs and their events on PostgreSQL. Event sequence numbers come from a per-run counter row
/// incremented in the same statement that inserts the event, so they are never reused (also after a
/// truncation) and a duplicate is a primary-key violation, reported as a <see cref="ConflictException"/>.
/// </summary>
public sealed class PostgresCouncilRepository : ICouncilRepository
{
    private const string RunColumns = "id, flow_id, flow_version, subject, status, graph, created_at, updated_at, seq, owner";
    private const string EventColumns = "run_id, sequence, wave, kind, node_id, payload, logged_at";
    private const int PageSize = 500;

    private static readonly CouncilRunStatus[] AllStatuses = Enum.GetValues<CouncilRunStatus>();

    private readonly PostgresDatabase _db;
    private readonly string _create;
    private readonly string _updateStatus;
    private readonly string _statusOf;
    private readonly string _updateGraph;
    private readonly string _append;
    private readonly string _get;
    private readonly string _listRuns;
    private readonly string _listRunsByStatus;
    private readonly string _runPosition;
    private readonly string _listRunsBySubject;
    private readonly string _listEvents;
    private readonly string _markInterrupted;
    private readonly string _markAbandoned;
    private readonly string _touch;
    private readonly string _truncate;
    private readonly string _appendMany;
    private readonly string _purge;
    private readonly string _recordEnd;
    private readonly string _writeRun;

    /// <summary>Creates the repository.</summary>
    /// <param name="database">The shared data source, schema and clock.</param>
    public PostgresCouncilRepository(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        var s = PostgresSchema.Quote(database.Schema);
        _create =
            $"WITH run AS (INSERT INTO {s}.council_runs (id, flow_id, flow_version, subject, status, graph, created_at, updated_at, owner) "
            + "VALUES (@id, @flow_id, @flow_version, @subject, @status, @graph, @created_at, @updated_at, @owner) RETURNING id) "
            + $"INSERT INTO {s}.council_run_counters (run_id, last_sequence) SELECT id, 0 FROM run";
        // Moving into Running hands the run to a new executor, which records itself with TouchRunAsync.
        _updateStatus =
            $"UPDATE {s}.council_runs SET status = @status, updated_at = @now, owner = CASE WHEN @status = {(short)CouncilRunStatus.Running} THEN NULL ELSE owner END "
            + "WHERE id = @id AND status = ANY(@allowed)";
        _statusOf = $"SELECT status FROM {s}.council_runs WHERE id = @id";
        _updateGraph = $"UPDATE {s}.council_runs SET graph = @graph, updated_at = @now WHERE id = @id";
        _append =
            $"WITH counter AS (UPDATE {s}.council_run_counters SET last_sequence = last_sequence + 1 WHERE run_id = @run_id RETURNING run_id, last_sequence), "
            + $"touched AS (UPDATE {s}.council_runs SET updated_at = @now WHERE id = @run_id) "
            + $"INSERT INTO {s}.council_run_events (run_id, sequence, wave, kind, node_id, payload, logged_at) "
            + "SELECT run_id, last_sequence, @wave, @kind, @node_id, @payload, @now FROM counter RETURNING sequence, logged_at";
        _appendMany =
            $"WITH counter AS (UPDATE {s}.council_run_counters SET last_sequence = last_sequence + @count WHERE run_id = @run_id RETURNING run_id, last_sequence), "
            + $"touched AS (UPDATE {s}.council_runs SET updated_at = @now WHERE id = @run_id AND updated_at < @now - interval '1 second') "
            + $"INSERT INTO {s}.council_run_events (run_id, sequence, wave, kind, node_id, payload, logged_at) "
            + "SELECT counter.run_id, counter.last_sequence - @count + e.ord, e.wave, e.kind, e.node_id, e.payload, @now "
            + "FROM counter, unnest(@waves, @kinds, @node_ids, @payloads) WITH ORDINALITY AS e(wave, kind, node_id, payload, ord)";
        // The end of a run (or any graph/status write that goes with events): graph and status in one statement, the
        // transition checked in its WHERE as UpdateRunStatusAsync does.
        _recordEnd =
            $"UPDATE {s}.council_runs SET graph = coalesce(@graph, graph), status = coalesce(@status, status), updated_at = @now, "
            + $"owner = CASE WHEN @status = {(short)CouncilRunStatus.Running} THEN NULL ELSE owner END "
            + "WHERE id = @id AND (@status IS NULL OR status = ANY(@allowed))";
        // A recorded run in one statement: the run, its counter at the last sequence, its events as numbered.
        _writeRun =
            $"WITH run AS (INSERT INTO {s}.council_runs (id, flow_id, flow_version, subject, status, graph, created_at, updated_at, owner) "
            + "VALUES (@id, @flow_id, @flow_version, @subject, @status, @graph, @created_at, @updated_at, @owner) RETURNING id), "
            + $"counter AS (INSERT INTO {s}.council_run_counters (run_id, last_sequence) SELECT id, @last_sequence FROM run RETURNING run_id) "
            + $"INSERT INTO {s}.council_run_events (run_id, sequence, wave, kind, node_id, payload, logged_at) "
            + "SELECT counter.run_id, e.sequence, e.wave, e.kind, e.node_id, e.payload, e.logged_at "
            + "FROM counter, unnest(@sequences, @waves, @kinds, @node_ids, @payloads, @logged) AS e(sequence, wave, kind, node_id, payload, logged_at)";
        var terminal = string.Join(", ", AllStatuses.Where(CouncilRunStatusTransitions.IsTerminal).Select(t => ((short)t).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        // One statement: the events, counters and runs of the chosen finished runs (foreign keys are checked at its end).
        _purge =
            $"WITH doomed AS (SELECT id FROM {s}.council_runs WHERE status IN ({terminal}) AND ("
            + "(@before IS NOT NULL AND updated_at < @before) OR "
            + $"(@keep IS NOT NULL AND seq NOT IN (SELECT seq FROM {s}.council_runs WHERE status IN ({terminal}) ORDER BY created_at DESC, seq DESC LIMIT @keep))) "
            + "ORDER BY seq LIMIT @max FOR UPDATE SKIP LOCKED), "
            + $"events AS (DELETE FROM {s}.council_run_events WHERE run_id IN (SELECT id FROM doomed)), "
            + $"counters AS (DELETE FROM {s}.council_run_counters WHERE run_id IN (SELECT id FROM doomed)) "
            + $"DELETE FROM {s}.council_runs WHERE id IN (SELECT id FROM doomed)";
        _get = $"SELECT {RunColumns} FROM {s}.council_runs WHERE id = @id";
        _listRuns = $"SELECT {RunColumns} FROM {s}.council_runs WHERE (created_at, seq) < (@before_at, @before_seq) ORDER BY created_at DESC, seq DESC LIMIT {PageSize}";
        _runPosition = $"SELECT created_at, seq FROM {s}.council_runs WHERE id = @id";
        _listRunsByStatus = $"SELECT {RunColumns} FROM {s}.council_runs WHERE status = @status AND (created_at, seq) < (@before_at, @before_seq) ORDER BY created_at DESC, seq DESC LIMIT {PageSize}";
        _listRunsBySubject = $"SELECT {RunColumns} FROM {s}.council_runs WHERE subject = @subject AND (created_at, seq) < (@before_at, @before_seq) ORDER BY created_at DESC, seq DESC LIMIT {PageSize}";
        _listEvents = $"SELECT {EventColumns} FROM {s}.council_run_events WHERE run_id = @run_id AND sequence > @after ORDER BY sequence LIMIT {PageSize}";
        _markInterrupted = $"UPDATE {s}.council_runs SET status = {(short)CouncilRunStatus.Interrupted}, updated_at = @now WHERE status = {(short)CouncilRunStatus.Running}";
        _markAbandoned =
            $"UPDATE {s}.council_runs SET status = {(short)CouncilRunStatus.Interrupted}, updated_at = @now WHERE status = {(short)CouncilRunStatus.Running} "
            + "AND (updated_at < @before OR owner = ANY(@owners))";
        _touch = $"UPDATE {s}.council_runs SET owner = @owner, updated_at = @now WHERE id = @id AND status = {(short)CouncilRunStatus.Running}";
        _truncate =
            $"WITH deleted AS (DELETE FROM {s}.council_run_events WHERE run_id = @run_id AND wave > @wave RETURNING 1) "
            + $"SELECT (SELECT count(*) FROM deleted)::integer, EXISTS (SELECT 1 FROM {s}.council_runs WHERE id = @run_id)";
    }

    /// <inheritdoc />
    public async Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var graph = run.Graph is { } g ? Sql.Canonical(g) : null;
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_create);
            command.AddText("id", run.Id.Value);
            command.AddText("flow_id", run.FlowId);
            command.AddText("flow_version", run.FlowVersion);
            command.AddText("subject", run.Subject);
            command.Add("status", NpgsqlDbType.Smallint, (short)run.Status);
            command.AddText("graph", graph);
            command.AddTime("created_at", run.CreatedAt);
            command.AddTime("updated_at", run.UpdatedAt);
            command.AddText("owner", run.Owner);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException($"A run with id '{run.Id}' exists.", expected: null, actual: run.Id.Value, innerException: ex);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"create run '{run.Id}'");
        }
    }

    /// <summary>The database this repository writes.</summary>
    internal PostgresDatabase Database => _db;

    /// <inheritdoc />
    /// <remarks>One statement: the run and its events, with their sequence numbers and timestamps as given.</remarks>
    public async Task WriteRunAsync(CouncilRunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await WriteRunInAsync(connection, null, record, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"write run '{record.Run.Id}'");
        }
    }

    /// <summary>Inserts a recorded run and its events inside the caller's transaction (a dispatch's final one, say).</summary>
    /// <exception cref="ConflictException">A run with the same id exists.</exception>
    internal async Task WriteRunInAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CouncilRunRecord record, CancellationToken cancellationToken)
    {
        var run = record.Run;
        ArgumentNullException.ThrowIfNull(run.FlowId);
        var events = record.Events;
        var sequences = new long[events.Count];
        var waves = new int[events.Count];
        var kinds = new string[events.Count];
        var nodeIds = new string?[events.Count];
        var payloads = new string[events.Count];
        var logged = new DateTimeOffset[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            ArgumentOutOfRangeException.ThrowIfNegative(e.Wave, nameof(record));
            sequences[i] = e.Sequence;
            waves[i] = e.Wave;
            kinds[i] = e.Kind;
            nodeIds[i] = e.NodeId;
            payloads[i] = Sql.Canonical(e.Payload);
            logged[i] = e.Timestamp.ToUniversalTime();
        }

        await using var command = new NpgsqlCommand(_writeRun, connection, tx);
        command.AddText("id", run.Id.Value);
        command.AddText("flow_id", run.FlowId);
        command.AddText("flow_version", run.FlowVersion);
        command.AddText("subject", run.Subject);
        command.Add("status", NpgsqlDbType.Smallint, (short)run.Status);
        command.AddText("graph", run.Graph is { } g ? Sql.Canonical(g) : null);
        command.AddTime("created_at", run.CreatedAt);
        command.AddTime("updated_at", run.UpdatedAt);
        command.AddText("owner", run.Owner);
        command.Add("last_sequence", NpgsqlDbType.Bigint, events.Count == 0 ? 0L : events[^1].Sequence);
        command.Add("sequences", NpgsqlDbType.Array | NpgsqlDbType.Bigint, sequences);
        command.Add("waves", NpgsqlDbType.Array | NpgsqlDbType.Integer, waves);
        command.Add("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text, kinds);
        command.Add("node_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, nodeIds);
        command.Add("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text, payloads);
        command.Add("logged", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, logged);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException($"A run with id '{run.Id}' exists.", expected: null, actual: run.Id.Value, innerException: ex);
        }
    }

    /// <inheritdoc />
    public async Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default)
    {
        var allowedFrom = AllStatuses.Where(from => CouncilRunStatusTransitions.CanTransition(from, status)).Select(from => (short)from).ToArray();
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The transition check and the write are one statement, so concurrent writers cannot
            // both move a run out of the same status illegally.
            await using var command = _db.DataSource.CreateCommand(_updateStatus);
            command.AddText("id", runId.Value);
            command.Add("status", NpgsqlDbType.Smallint, (short)status);
            command.Add("allowed", NpgsqlDbType.Array | NpgsqlDbType.Smallint, allowedFrom);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return;
            }

            await using var current = _db.DataSource.CreateCommand(_statusOf);
            current.AddText("id", runId.Value);
            var from = await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as short?
                       ?? throw new NotFoundException("run", runId.Value);
            CouncilRunStatusTransitions.EnsureCanTransition(runId, (CouncilRunStatus)from, status);

            // The status changed between the two statements to one that allows the move: report it as a conflict.
            throw new ConflictException($"Run '{runId}' changed status concurrently.", expected: null, actual: ((CouncilRunStatus)from).ToString());
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"change the status of run '{runId}'");
        }
    }

    /// <inheritdoc />
    public async Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
    {
        var text = Sql.Canonical(graph);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_updateGraph);
            command.AddText("id", runId.Value);
            command.AddText("graph", text);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new NotFoundException("run", runId.Value);
            }
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"update the graph of run '{runId}'");
        }
    }

    /// <inheritdoc />
    /// <remarks>One transaction (two statements: the events, then the graph and status).</remarks>
    public async Task WriteRunRecordAsync(CouncilRunId runId, IReadOnlyList<CouncilRunEventDraft> events, JsonElement? graph, CouncilRunStatus? status, CancellationToken cancellationToken = default)
    {
        CouncilRunEventBatch.EnsureRun(runId, events);
        var graphText = graph is { } g ? Sql.Canonical(g) : null;
        var eventsCommand = events.Count > 0 ? AppendManyCommand(events) : null;
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (eventsCommand is not null)
            {
                await using (eventsCommand.ConfigureAwait(false))
                {
                    eventsCommand.Connection = connection;
                    eventsCommand.Transaction = tx;
                    if (await eventsCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        throw new NotFoundException("run", runId.Value);
                    }
                }
            }

            if (graphText is not null || status is not null)
            {
                await using var command = new NpgsqlCommand(_recordEnd, connection, tx);
                command.AddText("id", runId.Value);
                command.AddText("graph", graphText);
                command.Add("status", NpgsqlDbType.Smallint, status is { } st ? (short)st : null);
                command.Add("allowed", NpgsqlDbType.Array | NpgsqlDbType.Smallint, status is { } target
                    ? AllStatuses.Where(from => CouncilRunStatusTransitions.CanTransition(from, target)).Select(from => (short)from).ToArray()
                    : Array.Empty<short>());
                command.AddTime("now", _db.TimeProvider.GetUtcNow());
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    await using var current = _db.DataSource.CreateCommand(_statusOf);
                    current.AddText("id", runId.Value);
                    var from = await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as short?
                               ?? throw new NotFoundException("run", runId.Value);
                    CouncilRunStatusTransitions.EnsureCanTransition(runId, (CouncilRunStatus)from, status!.Value);
                    throw new ConflictException($"Run '{runId}' changed status concurrently.", expected: null, actual: ((CouncilRunStatus)from).ToString());
                }
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException($"Run '{runId}' already has an event with one of the next sequence numbers; events are never overwritten.", innerException: ex);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"record run '{runId}'");
        }
    }

    /// <summary>The one-statement insert of a batch of events of one run (no connection set).</summary>
    private NpgsqlCommand AppendManyCommand(IReadOnlyList<CouncilRunEventDraft> drafts)
    {
        var waves = new int[drafts.Count];
        var kinds = new string[drafts.Count];
        var nodeIds = new string?[drafts.Count];
        var payloads = new string[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(drafts[i].Wave, nameof(drafts));
            waves[i] = drafts[i].Wave;
            kinds[i] = drafts[i].Kind;
            nodeIds[i] = drafts[i].NodeId;
            payloads[i] = Sql.Canonical(drafts[i].Payload);
        }

        var command = new NpgsqlCommand(_appendMany);
        command.AddText("run_id", drafts[0].RunId.Value);
        command.Add("count", NpgsqlDbType.Bigint, (long)drafts.Count);
        command.Add("waves", NpgsqlDbType.Array | NpgsqlDbType.Integer, waves);
        command.Add("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text, kinds);
        command.Add("node_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, nodeIds);
        command.Add("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text, payloads);
        command.AddTime("now", _db.TimeProvider.GetUtcNow());
        return command;
    }

    /// <inheritdoc />
    public async Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentException.ThrowIfNullOrEmpty(draft.Kind, nameof(draft));
        ArgumentOutOfRangeException.ThrowIfNegative(draft.Wave, nameof(draft));
        var payloadText = Sql.Canonical(draft.Payload);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_append);
            command.AddText("run_id", draft.RunId.Value);
            command.Add("wave", NpgsqlDbType.Integer, draft.Wave);
            command.AddText("kind", draft.Kind);
            command.AddText("node_id", draft.NodeId);
            command.AddText("payload", payloadText);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new NotFoundException("run", draft.RunId.Value);
            }

            return new CouncilRunEvent(draft.RunId, reader.GetInt64(0), draft.Wave, draft.Kind, draft.NodeId, draft.Payload.Clone(), reader.Time(1));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException($"Run '{draft.RunId}' already has an event with the next sequence number; events are never overwritten.", innerException: ex);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"append an event to run '{draft.RunId}'");
        }
    }

    /// <inheritdoc />
    /// <remarks>One statement (one round trip) for the whole batch.</remarks>
    public async Task AppendEventsAsync(IReadOnlyList<CouncilRunEventDraft> drafts, CancellationToken cancellationToken = default)
    {
        CouncilRunEventBatch.EnsureOneRun(drafts);
        if (drafts.Count == 0)
        {
            return;
        }

        var runId = drafts[0].RunId;
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = AppendManyCommand(drafts);
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            command.Connection = connection;
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new NotFoundException("run", runId.Value);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException($"Run '{runId}' already has an event with one of the next sequence numbers; events are never overwritten.", innerException: ex);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"append events to run '{runId}'");
        }
    }

    /// <inheritdoc />
    /// <remarks>One statement per call; runs another purge holds locked are skipped until the next call.</remarks>
    public async Task<int> PurgeFinishedRunsAsync(CouncilRetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        if (policy.FinishedBefore is null && policy.KeepLatest is null)
        {
            return 0;
        }

        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_purge);
            command.AddTime("before", policy.FinishedBefore);
            command.Add("keep", NpgsqlDbType.Integer, policy.KeepLatest);
            command.Add("max", NpgsqlDbType.Integer, policy.MaxRunsPerCall);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "purge finished runs");
        }
    }

    /// <inheritdoc />
    public async Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_get);
            command.AddText("id", runId.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? MapRun(reader) : null;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read run '{runId}'");
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default)
        => PageRunsAsync(statusFilter, subject: null, after: null, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsAfterAsync(CouncilRunStatus? statusFilter, CouncilRunId? after, CancellationToken cancellationToken = default)
        => PageRunsAsync(statusFilter, subject: null, after, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsBySubjectAsync(string subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return PageRunsAsync(statusFilter: null, subject, after: null, cancellationToken);
    }

    private async IAsyncEnumerable<CouncilRun> PageRunsAsync(CouncilRunStatus? statusFilter, string? subject, CouncilRunId? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (beforeAt, beforeSeq) = after is { } key
            ? await RunPositionAsync(key, cancellationToken).ConfigureAwait(false)
            : (DateTimeOffset.MaxValue, long.MaxValue);
        while (true)
        {
            var page = await RunsPageAsync(statusFilter, subject, beforeAt, beforeSeq, cancellationToken).ConfigureAwait(false);
            foreach (var (run, _) in page)
            {
                yield return run;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            beforeAt = page[^1].Run.CreatedAt;
            beforeSeq = page[^1].Seq;
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
        => ListEventsAfterAsync(runId, 0, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<CouncilRunEvent> ListEventsAfterAsync(CouncilRunId runId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Pages start after the sequence on the (run_id, sequence) key.
        var after = Math.Max(afterSequence, 0L);
        while (true)
        {
            var page = await EventsPageAsync(runId, after, cancellationToken).ConfigureAwait(false);
            foreach (var e in page)
            {
                yield return e;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].Sequence;
        }
    }

    /// <inheritdoc />
    public async Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_markInterrupted);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "mark running runs interrupted");
        }
    }

    /// <inheritdoc />
    public async Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A NULL cutoff makes "updated_at < @before" NULL, so only the owner rule can match.
            await using var command = _db.DataSource.CreateCommand(_markAbandoned);
            command.AddTime("before", filter.LastActivityBefore);
            command.Add("owners", NpgsqlDbType.Array | NpgsqlDbType.Text, filter.AbandonedOwners.ToArray());
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "mark abandoned runs interrupted");
        }
    }

    /// <inheritdoc />
    public async Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_touch);
            command.AddText("id", runId.Value);
            command.AddText("owner", owner);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return true;
            }

            await using var exists = _db.DataSource.CreateCommand(_statusOf);
            exists.AddText("id", runId.Value);
            return await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null
                ? throw new NotFoundException("run", runId.Value)
                : false;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"touch run '{runId}'");
        }
    }

    /// <inheritdoc />
    public async Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_truncate);
            command.AddText("run_id", runId.Value);
            command.Add("wave", NpgsqlDbType.Integer, wave);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var deleted = reader.GetInt32(0);
            return reader.GetBoolean(1) ? deleted : throw new NotFoundException("run", runId.Value);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"truncate the events of run '{runId}'");
        }
    }

    /// <summary>A run's (created_at, seq) position by its primary key; the pages then start there on the created indexes.</summary>
    private async Task<(DateTimeOffset At, long Seq)> RunPositionAsync(CouncilRunId runId, CancellationToken cancellationToken)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_runPosition);
            command.AddText("id", runId.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? (reader.Time(0), reader.GetInt64(1))
                : throw new NotFoundException("council run", runId.Value);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"find the position of run '{runId}'");
        }
    }

    private async Task<List<(CouncilRun Run, long Seq)>> RunsPageAsync(CouncilRunStatus? status, string? subject, DateTimeOffset beforeAt, long beforeSeq, CancellationToken cancellationToken)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(subject is not null ? _listRunsBySubject : status is null ? _listRuns : _listRunsByStatus);
            if (subject is not null)
            {
                command.AddText("subject", subject);
            }
            else if (status is { } s)
            {
                command.Add("status", NpgsqlDbType.Smallint, (short)s);
            }

            // DateTimeOffset.MaxValue is written as infinity, after every run.
            command.AddTime("before_at", beforeAt);
            command.Add("before_seq", NpgsqlDbType.Bigint, beforeSeq);
            var page = new List<(CouncilRun, long)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                page.Add((MapRun(reader), reader.GetInt64(8)));
            }

            return page;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "list runs");
        }
    }

    private async Task<List<CouncilRunEvent>> EventsPageAsync(CouncilRunId runId, long after, CancellationToken cancellationToken)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_listEvents);
            command.AddText("run_id", runId.Value);
            command.Add("after", NpgsqlDbType.Bigint, after);
            var page = new List<CouncilRunEvent>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var sequence = reader.GetInt64(1);
                page.Add(new CouncilRunEvent(
                    CouncilRunId.Parse(reader.GetString(0)),
                    sequence,
                    reader.GetInt32(2),
                    reader.GetString(3),
                    reader.NullableString(4),
                    Sql.ReadCanonical(reader.GetString(5), $"payload of event {sequence} of run '{runId}'"),
                    reader.Time(6)));
            }

            return page;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"list the events of run '{runId}'");
        }
    }

    private static CouncilRun MapRun(NpgsqlDataReader r)
    {
        var id = r.GetString(0);
        return new CouncilRun
        {
            Id = CouncilRunId.Parse(id),
            FlowId = r.GetString(1),
            FlowVersion = r.NullableString(2),
            Subject = r.NullableString(3),
            Status = (CouncilRunStatus)r.GetInt16(4),
            Graph = r.NullableString(5) is { } graph ? Sql.ReadCanonical(graph, $"graph of run '{id}'") : null,
            CreatedAt = r.Time(6),
            UpdatedAt = r.Time(7),
            Owner = r.NullableString(9),
        };
    }
}
