using System.Runtime.CompilerServices;
using System.Text.Json;
using IssueCore.Council;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// <see cref="ICouncilRepository"/> over SQLite. Event sequence numbers come from a per-run
/// high-water counter raised inside the append transaction, so they are gapless while nothing is
/// truncated and never reused after a truncation; a duplicate (run, sequence) is refused by the
/// primary key. Status changes are checked against <see cref="CouncilRunStatusTransitions"/> under
/// the write lock.
/// </summary>
public sealed class SqliteCouncilRepository : ICouncilRepository
{
    private const string RunColumns = "seq, run_id, flow_id, flow_version, subject, status, graph, created_at, updated_at, owner, graph_part, " +
        "(SELECT content FROM council_graph_parts WHERE council_graph_parts.hash = council_runs.graph_part)";

    private const string GetRunSql = "SELECT " + RunColumns + " FROM council_runs WHERE run_id = @run_id;";

    private const string StatusSql = "SELECT status FROM council_runs WHERE run_id = @run_id;";

    // Moving into 'running' hands the run to a new executor, which records itself with TouchRunAsync.
    private const string UpdateStatusSql =
        "UPDATE council_runs SET status = @status, updated_at = @now, owner = CASE WHEN @status = 'running' THEN NULL ELSE owner END WHERE run_id = @run_id;";

    private const string UpdateGraphSql = "UPDATE council_runs SET graph = @graph, graph_part = @graph_part, updated_at = @now WHERE run_id = @run_id;";

    private const string NextSequenceSql = "UPDATE council_runs SET last_sequence = last_sequence + 1, updated_at = @now WHERE run_id = @run_id RETURNING last_sequence;";

    private const string InsertBatchSql =
        "INSERT INTO council_event_batches (run_id, first_sequence, last_sequence, events, min_wave, max_wave, encoding, body_length, body) " +
        "VALUES (@run_id, @first, @last, @events, @min_wave, @max_wave, @encoding, @body_length, @body);";

    // The run's highest stored event number: batches never overlap, so an append whose numbers start at or below it
    // would store an event twice.
    private const string LastStoredSequenceSql = "SELECT last_sequence FROM council_event_batches WHERE run_id = @run_id ORDER BY last_sequence DESC LIMIT 1;";

    // A batch raises the counter; the run's activity (updated_at, indexed with the status) moves in a separate statement
    // only when it is more than a second old, so the appends of a busy run do not rewrite an index page each time.
    private const string ReserveSequencesSql = "UPDATE council_runs SET last_sequence = last_sequence + @count WHERE run_id = @run_id RETURNING last_sequence;";

    private const string StaleActivitySql = "UPDATE council_runs SET updated_at = @now WHERE run_id = @run_id AND updated_at < @stale;";

    private static readonly long ActivityResolutionTicks = TimeSpan.TicksPerSecond;

    // The end of a run in one statement: the graph (when given) and the status (when given; moving into 'running' clears
    // the owner, as UpdateStatusSql does).
    private const string RecordEndSql =
        "UPDATE council_runs SET graph = coalesce(@graph, graph), graph_part = CASE WHEN @graph IS NULL THEN graph_part ELSE @graph_part END, " +
        "status = coalesce(@status, status), updated_at = @now, " +
        "owner = CASE WHEN @status = 'running' THEN NULL ELSE owner END WHERE run_id = @run_id;";

    // The runs a purge deletes, oldest first (ordered so both deletes of one purge see the same set).
    private const string DoomedRunsCte =
        "WITH doomed AS (SELECT run_id FROM council_runs WHERE status IN ('completed', 'failed', 'cancelled') AND (" +
        "(@before IS NOT NULL AND updated_at < @before) OR " +
        "(@keep IS NOT NULL AND seq NOT IN (SELECT seq FROM council_runs WHERE status IN ('completed', 'failed', 'cancelled') " +
        "ORDER BY created_at DESC, seq DESC LIMIT coalesce(@keep, -1)))) ORDER BY seq LIMIT @max) ";

    private const string PurgeEventsSql = DoomedRunsCte + "DELETE FROM council_event_batches WHERE run_id IN (SELECT run_id FROM doomed);";

    private const string PurgeRunsSql = DoomedRunsCte + "DELETE FROM council_runs WHERE run_id IN (SELECT run_id FROM doomed);";

    private const string MarkInterruptedSql = "UPDATE council_runs SET status = 'interrupted', updated_at = @now WHERE status = 'running' AND status <> 'completed';";

    private const string MarkAbandonedSql =
        "UPDATE council_runs SET status = 'interrupted', updated_at = @now WHERE status = 'running' AND status <> 'completed' " +
        "AND ((@before IS NOT NULL AND updated_at < @before) OR owner IN (SELECT value FROM json_each(@owners)));";

    private const string TouchSql = "UPDATE council_runs SET owner = @owner, updated_at = @now WHERE run_id = @run_id AND status = 'running';";

    private const string RunExistsSql = "SELECT 1 FROM council_runs WHERE run_id = @run_id;";

    // The batches a truncation cuts: those holding an event of a later wave.
    private const string CutBatchesSql =
        "SELECT id, first_sequence, events, min_wave, encoding, body_length, body FROM council_event_batches WHERE run_id = @run_id AND max_wave > @wave;";

    private const string DeleteBatchSql = "DELETE FROM council_event_batches WHERE id = @id;";

    private const string RewriteBatchSql =
        "UPDATE council_event_batches SET first_sequence = @first, last_sequence = @last, events = @events, min_wave = @min_wave, max_wave = @max_wave, " +
        "encoding = @encoding, body_length = @body_length, body = @body WHERE id = @id;";

    internal const string RunsPageSql =
        "SELECT " + RunColumns + " FROM council_runs WHERE created_at < @created OR (created_at = @created AND seq < @seq) " +
        "ORDER BY created_at DESC, seq DESC LIMIT @limit;";

    // The status index holds the runs that are not completed (most runs end completed, and an index entry each would be
    // written with every run): "status <> 'completed'" in a statement lets SQLite read it. Completed runs are listed from
    // the created index, skipping the others (few, and purged by the retention like the completed ones).
    internal const string RunsByStatusPageSql =
        "SELECT " + RunColumns + " FROM council_runs WHERE status = @status AND status <> 'completed' AND (created_at < @created OR (created_at = @created AND seq < @seq)) " +
        "ORDER BY created_at DESC, seq DESC LIMIT @limit;";

    internal const string CompletedRunsPageSql =
        "SELECT " + RunColumns + " FROM council_runs INDEXED BY ix_council_runs_created WHERE status = 'completed' AND (created_at < @created OR (created_at = @created AND seq < @seq)) " +
        "ORDER BY created_at DESC, seq DESC LIMIT @limit;";

    internal const string RunsBySubjectPageSql =
        "SELECT " + RunColumns + " FROM council_runs WHERE subject = @subject AND (created_at < @created OR (created_at = @created AND seq < @seq)) " +
        "ORDER BY created_at DESC, seq DESC LIMIT @limit;";

    internal const string EventsPageSql =
        "SELECT first_sequence, encoding, body_length, body FROM council_event_batches " +
        "WHERE run_id = @run_id AND last_sequence > @after ORDER BY last_sequence LIMIT @limit;";

    private const string RunPositionSql = "SELECT created_at, seq FROM council_runs WHERE run_id = @run_id;";

    private const int PageSize = 256;

    /// <summary>Event batches read per read transaction (a batch holds one append's events: one, or a whole recorded run).</summary>
    private const int BatchPageSize = 32;

    private const string InsertRunSql =
        "INSERT INTO council_runs (run_id, flow_id, flow_version, subject, status, graph, graph_part, last_sequence, created_at, updated_at, owner) " +
        "VALUES (@run_id, @flow_id, @flow_version, @subject, @status, @graph, @graph_part, @last_sequence, @created_at, @updated_at, @owner);";

    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a shared database.</summary>
    /// <param name="database">The database file (shared with the other SQLite stores).</param>
    public SqliteCouncilRepository(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <inheritdoc />
    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(run.FlowId);
        // A new run is a recorded run without events.
        var stored = Prepare(new CouncilRunRecord { Run = run, Events = [] });
        return _database.WriteAsync(
            "Creating a run",
            async (session, ct) =>
            {
                await WriteRunInAsync(session, stored, ct).ConfigureAwait(false);
                return 1;
            },
            cancellationToken);
    }

    /// <summary>The database this repository writes.</summary>
    internal SqliteDatabase Database => _database;

    /// <inheritdoc />
    /// <remarks>One write transaction: the run and its events, with their sequence numbers and timestamps as given.</remarks>
    public Task WriteRunAsync(CouncilRunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        var stored = Prepare(record);
        return _database.WriteAsync(
            "Writing a recorded run",
            async (session, ct) =>
            {
                await WriteRunInAsync(session, stored, ct).ConfigureAwait(false);
                return record.Events.Count;
            },
            cancellationToken);
    }

    /// <summary>
    /// A recorded run in the form its rows take: the graph split from its flow part and the events packed into one batch.
    /// Built before the write transaction, so the writer holds the write lock only to insert the rows.
    /// </summary>
    internal readonly record struct PreparedRun(CouncilRun Run, SqliteRunGraph? Graph, SqliteEventBatch? Events);

    /// <summary>Prepares a (validated) recorded run for <see cref="WriteRunInAsync"/>.</summary>
    internal static PreparedRun Prepare(CouncilRunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record.Run.FlowId);
        return new PreparedRun(
            record.Run,
            record.Run.Graph is { } graph ? SqliteRunGraph.Split(graph) : null,
            record.Events.Count > 0 ? SqliteEventBatch.FromEvents(record.Events) : null);
    }

    /// <summary>Inserts a prepared run and its events inside the caller's transaction (a dispatch's final one, say).</summary>
    /// <exception cref="ConflictException">A run with the same id exists.</exception>
    internal static async Task WriteRunInAsync(SqliteSession session, PreparedRun prepared, CancellationToken ct)
    {
        var run = prepared.Run;
        var stored = prepared.Graph;
        if (stored is { } part)
        {
            await part.WritePartAsync(session, ct).ConfigureAwait(false);
        }

        var insert = session.Command(InsertRunSql)
            .With("@run_id", run.Id.Value)
            .With("@flow_id", run.FlowId)
            .With("@flow_version", run.FlowVersion)
            .With("@subject", run.Subject)
            .With("@status", StatusText(run.Status))
            .With("@graph", stored?.Graph)
            .With("@graph_part", stored?.PartHash)
            .With("@last_sequence", prepared.Events?.LastSequence ?? 0)
            .With("@created_at", SqliteTime.ToTicks(run.CreatedAt))
            .With("@updated_at", SqliteTime.ToTicks(run.UpdatedAt))
            .With("@owner", run.Owner);
        try
        {
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (SqliteErrors.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A run with id '{run.Id}' exists.", expected: null, actual: run.Id.Value, innerException: ex);
        }

        // A new run has no stored events, so its events go in as one batch without an overlap check.
        if (prepared.Events is { } batch)
        {
            await InsertBatchAsync(session, run.Id, batch, ct).ConfigureAwait(false);
        }
    }

    private static Task<int> InsertBatchAsync(SqliteSession session, CouncilRunId runId, SqliteEventBatch batch, CancellationToken ct)
        => BindBatch(session.Command(InsertBatchSql).With("@run_id", runId.Value), batch).ExecuteNonQueryAsync(ct);

    private static SqliteCommand BindBatch(SqliteCommand command, SqliteEventBatch batch)
        => command
            .With("@first", batch.FirstSequence)
            .With("@last", batch.LastSequence)
            .With("@events", batch.Count)
            .With("@min_wave", batch.MinWave)
            .With("@max_wave", batch.MaxWave)
            .With("@encoding", batch.Encoding)
            .With("@body_length", batch.BodyLength)
            .With("@body", batch.Body);

    /// <summary>
    /// Stores a batch numbered from <paramref name="first"/> inside the caller's transaction, after checking that no
    /// stored event of the run has that number or a later one.
    /// </summary>
    /// <exception cref="ConflictException">The run already holds an event numbered <paramref name="first"/> or later.</exception>
    private static async Task InsertNewBatchAsync(SqliteSession session, CouncilRunId runId, SqliteEventBatch batch, long first, CancellationToken ct)
    {
        if (await session.Command(LastStoredSequenceSql).With("@run_id", runId.Value).ExecuteScalarAsync(ct).ConfigureAwait(false) is long stored && stored >= first)
        {
            throw SequenceConflict(runId, stored, null);
        }

        try
        {
            await InsertBatchAsync(session, runId, batch.Renumbered(first), ct).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (SqliteErrors.IsUniqueViolation(ex))
        {
            throw SequenceConflict(runId, first, ex);
        }
    }

    private static ConflictException SequenceConflict(CouncilRunId runId, long sequence, Exception? inner)
        => new(
            $"Run '{runId}' already holds event {sequence}; the sequence counter and the events disagree, so nothing was written.",
            expected: null,
            actual: sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            innerException: inner);

    /// <inheritdoc />
    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default)
    {
        var target = StatusText(status);
        return _database.WriteAsync(
            "Changing a run status",
            async (session, ct) =>
            {
                // Read and write under the same write lock, so no other writer can move the run in between.
                var current = await session.Command(StatusSql).With("@run_id", runId.Value).ExecuteScalarAsync(ct).ConfigureAwait(false) as string
                    ?? throw new NotFoundException("council run", runId.Value);
                CouncilRunStatusTransitions.EnsureCanTransition(runId, ParseStatus(current), status);
                return await session.Command(UpdateStatusSql)
                    .With("@run_id", runId.Value)
                    .With("@status", target)
                    .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()))
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
    {
        var stored = SqliteRunGraph.Split(graph);
        return _database.WriteAsync(
            "Updating a run graph",
            async (session, ct) =>
            {
                await stored.WritePartAsync(session, ct).ConfigureAwait(false);
                var changed = await session.Command(UpdateGraphSql)
                    .With("@run_id", runId.Value)
                    .With("@graph", stored.Graph)
                    .With("@graph_part", stored.PartHash)
                    .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()))
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return changed == 1 ? changed : throw new NotFoundException("council run", runId.Value);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentException.ThrowIfNullOrEmpty(draft.Kind);
        var now = _database.TimeProvider.GetUtcNow();
        var batch = SqliteEventBatch.FromDrafts([draft], SqliteTime.ToTicks(now));
        return _database.WriteAsync(
            "Appending a run event",
            async (session, ct) =>
            {
                var next = await session.Command(NextSequenceSql).With("@run_id", draft.RunId.Value).With("@now", SqliteTime.ToTicks(now)).ExecuteScalarAsync(ct).ConfigureAwait(false);
                if (next is not long sequence)
                {
                    throw new NotFoundException("council run", draft.RunId.Value);
                }

                await InsertNewBatchAsync(session, draft.RunId, batch, sequence, ct).ConfigureAwait(false);
                return new CouncilRunEvent(draft.RunId, sequence, draft.Wave, draft.Kind, draft.NodeId, draft.Payload.Clone(), now);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One write transaction for the whole batch: the sequence numbers are reserved with one update.</remarks>
    public Task AppendEventsAsync(IReadOnlyList<CouncilRunEventDraft> drafts, CancellationToken cancellationToken = default)
    {
        CouncilRunEventBatch.EnsureOneRun(drafts);
        if (drafts.Count == 0)
        {
            return Task.CompletedTask;
        }

        var now = SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow());
        var batch = SqliteEventBatch.FromDrafts(drafts, now);
        var runId = drafts[0].RunId;
        return _database.WriteAsync(
            "Appending run events",
            async (session, ct) =>
            {
                await InsertEventsAsync(session, runId, batch, now, ct).ConfigureAwait(false);
                return drafts.Count;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One write transaction: the events, the graph and the status are written together or not at all.</remarks>
    public Task WriteRunRecordAsync(CouncilRunId runId, IReadOnlyList<CouncilRunEventDraft> events, JsonElement? graph, CouncilRunStatus? status, CancellationToken cancellationToken = default)
    {
        CouncilRunEventBatch.EnsureRun(runId, events);
        var now = SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow());
        var batch = events.Count > 0 ? SqliteEventBatch.FromDrafts(events, now) : null;
        var stored = graph is { } g ? SqliteRunGraph.Split(g) : (SqliteRunGraph?)null;
        return _database.WriteAsync(
            status is null ? "Recording run events" : "Recording a run's end",
            async (session, ct) =>
            {
                if (batch is not null)
                {
                    await InsertEventsAsync(session, runId, batch, now, ct).ConfigureAwait(false);
                }

                if (status is { } target)
                {
                    var current = await session.Command(StatusSql).With("@run_id", runId.Value).ExecuteScalarAsync(ct).ConfigureAwait(false) as string
                        ?? throw new NotFoundException("council run", runId.Value);
                    CouncilRunStatusTransitions.EnsureCanTransition(runId, ParseStatus(current), target);
                }

                if (stored is { } part)
                {
                    await part.WritePartAsync(session, ct).ConfigureAwait(false);
                }

                if (stored is not null || status is not null)
                {
                    var changed = await session.Command(RecordEndSql)
                        .With("@run_id", runId.Value)
                        .With("@graph", stored?.Graph)
                        .With("@graph_part", stored?.PartHash)
                        .With("@status", status is { } st ? StatusText(st) : null)
                        .With("@now", now)
                        .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    if (changed != 1)
                    {
                        throw new NotFoundException("council run", runId.Value);
                    }
                }

                return events.Count;
            },
            cancellationToken);
    }

    /// <summary>Reserves the batch's sequence numbers with one update and stores the batch, inside the caller's transaction.</summary>
    private static async Task InsertEventsAsync(SqliteSession session, CouncilRunId runId, SqliteEventBatch batch, long now, CancellationToken ct)
    {
        var reserved = await session.Command(ReserveSequencesSql).With("@run_id", runId.Value).With("@count", batch.Count)
            .ExecuteScalarAsync(ct).ConfigureAwait(false);
        if (reserved is not long last)
        {
            throw new NotFoundException("council run", runId.Value);
        }

        await session.Command(StaleActivitySql).With("@run_id", runId.Value).With("@now", now).With("@stale", now - ActivityResolutionTicks)
            .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await InsertNewBatchAsync(session, runId, batch, last - batch.Count + 1, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>One write transaction per call: the events of the chosen runs, then the runs.</remarks>
    public Task<int> PurgeFinishedRunsAsync(CouncilRetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        if (policy.FinishedBefore is null && policy.KeepLatest is null)
        {
            return Task.FromResult(0);
        }

        return _database.WriteAsync(
            "Purging finished runs",
            async (session, ct) =>
            {
                SqliteCommand Bind(string sql) => session.Command(sql)
                    .With("@before", policy.FinishedBefore is { } before ? SqliteTime.ToTicks(before) : null)
                    .With("@keep", policy.KeepLatest)
                    .With("@max", policy.MaxRunsPerCall);
                await Bind(PurgeEventsSql).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                var purged = await Bind(PurgeRunsSql).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                if (purged > 0)
                {
                    await session.Command(SqliteRunGraph.PurgePartsSql).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                return purged;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
        => _database.ReadAsync<CouncilRun?>(
            "Reading a run",
            async (session, ct) =>
            {
                var reader = await session.Command(GetRunSql).With("@run_id", runId.Value).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await reader.ReadAsync(ct).ConfigureAwait(false) ? MapRun(reader) : null;
                }
            },
            cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default)
        => PageRunsAsync(statusFilter is { } s ? StatusText(s) : null, subject: null, after: null, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsAfterAsync(CouncilRunStatus? statusFilter, CouncilRunId? after, CancellationToken cancellationToken = default)
        => PageRunsAsync(statusFilter is { } s ? StatusText(s) : null, subject: null, after, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsBySubjectAsync(string subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return PageRunsAsync(status: null, subject, after: null, cancellationToken);
    }

    private async IAsyncEnumerable<CouncilRun> PageRunsAsync(string? status, string? subject, CouncilRunId? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var afterCreated = long.MaxValue;
        var afterSeq = long.MaxValue;
        if (after is { } key)
        {
            // The run's (created_at, seq) position by its primary key; the pages then start there on the created indexes.
            (afterCreated, afterSeq) = await _database.ReadAsync(
                "Finding a run's position",
                async (session, ct) =>
                {
                    var reader = await session.Command(RunPositionSql).With("@run_id", key.Value).ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        return await reader.ReadAsync(ct).ConfigureAwait(false)
                            ? (reader.GetInt64(0), reader.GetInt64(1))
                            : throw new NotFoundException("council run", key.Value);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            var page = await _database.ReadAsync(
                "Listing runs",
                async (session, ct) =>
                {
                    var command = subject is not null ? session.Command(RunsBySubjectPageSql).With("@subject", subject)
                        : status is null ? session.Command(RunsPageSql)
                        : status == "completed" ? session.Command(CompletedRunsPageSql)
                        : session.Command(RunsByStatusPageSql).With("@status", status);
                    command.With("@created", afterCreated).With("@seq", afterSeq).With("@limit", PageSize);
                    var rows = new List<(long Seq, CouncilRun Run)>(PageSize);
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            rows.Add((reader.GetInt64(0), MapRun(reader)));
                        }
                    }

                    return rows;
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return row.Run;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            (afterSeq, afterCreated) = (page[^1].Seq, SqliteTime.ToTicks(page[^1].Run.CreatedAt));
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
        => ListEventsAfterAsync(runId, 0, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<CouncilRunEvent> ListEventsAfterAsync(CouncilRunId runId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Pages of batches start after the sequence on the unique (run_id, last_sequence) index; the first batch of a
        // page may begin before it.
        var after = Math.Max(afterSequence, 0);
        while (true)
        {
            var (events, batches, last) = await _database.ReadAsync(
                "Listing run events",
                async (session, ct) =>
                {
                    var rows = new List<CouncilRunEvent>(BatchPageSize);
                    var read = 0;
                    long lastSequence = 0;
                    var reader = await session.Command(EventsPageSql).With("@run_id", runId.Value).With("@after", after).With("@limit", BatchPageSize)
                        .ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            read++;
                            foreach (var e in SqliteEventBatch.Decode(runId, reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2), (byte[])reader.GetValue(3)))
                            {
                                if (e.Sequence > after)
                                {
                                    rows.Add(e);
                                }

                                lastSequence = e.Sequence;
                            }
                        }
                    }

                    return (rows, read, lastSequence);
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var e in events)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return e;
            }

            if (batches < BatchPageSize)
            {
                yield break;
            }

            after = Math.Max(after, last);
        }
    }

    /// <inheritdoc />
    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default)
        => _database.WriteAsync(
            "Marking interrupted runs",
            (session, ct) => session.Command(MarkInterruptedSql)
                .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()))
                .ExecuteNonQueryAsync(ct),
            cancellationToken);

    /// <inheritdoc />
    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var owners = JsonArray(filter.AbandonedOwners);
        return _database.WriteAsync(
            "Marking abandoned runs",
            (session, ct) => session.Command(MarkAbandonedSql)
                .With("@before", filter.LastActivityBefore is { } before ? SqliteTime.ToTicks(before) : null)
                .With("@owners", owners)
                .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()))
                .ExecuteNonQueryAsync(ct),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return _database.WriteAsync(
            "Touching a run",
            async (session, ct) =>
            {
                var changed = await session.Command(TouchSql)
                    .With("@run_id", runId.Value)
                    .With("@owner", owner)
                    .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()))
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                if (changed == 0 && await session.Command(RunExistsSql).With("@run_id", runId.Value).ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
                {
                    throw new NotFoundException("council run", runId.Value);
                }

                return changed == 1;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default)
        => _database.WriteAsync(
            "Truncating run events",
            async (session, ct) =>
            {
                // The batches holding a later wave are deleted, or rewritten with the events they keep; the run's
                // last_sequence is left as it is, so later appends continue above every deleted number.
                var cut = new List<(long Id, long First, int Count, int MinWave, int Encoding, long Length, byte[] Body)>();
                var reader = await session.Command(CutBatchesSql).With("@run_id", runId.Value).With("@wave", wave).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        cut.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt64(5), (byte[])reader.GetValue(6)));
                    }
                }

                var deleted = 0;
                foreach (var batch in cut)
                {
                    var kept = batch.MinWave > wave
                        ? []
                        : SqliteEventBatch.Decode(runId, batch.First, batch.Encoding, batch.Length, batch.Body).FindAll(e => e.Wave <= wave);
                    deleted += batch.Count - kept.Count;
                    var command = kept.Count == 0
                        ? session.Command(DeleteBatchSql)
                        : BindBatch(session.Command(RewriteBatchSql), SqliteEventBatch.FromEvents(kept));
                    await command.With("@id", batch.Id).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                if (deleted == 0 && await session.Command(RunExistsSql).With("@run_id", runId.Value).ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
                {
                    throw new NotFoundException("council run", runId.Value);
                }

                return deleted;
            },
            cancellationToken);

    private static string JsonArray(IReadOnlyCollection<string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string StatusText(CouncilRunStatus status) => status switch
    {
        CouncilRunStatus.Running => "running",
        CouncilRunStatus.AwaitingApproval => "awaiting_approval",
        CouncilRunStatus.Interrupted => "interrupted",
        CouncilRunStatus.Completed => "completed",
        CouncilRunStatus.Failed => "failed",
        CouncilRunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown run status."),
    };

    private static CouncilRunStatus ParseStatus(string text) => text switch
    {
        "running" => CouncilRunStatus.Running,
        "awaiting_approval" => CouncilRunStatus.AwaitingApproval,
        "interrupted" => CouncilRunStatus.Interrupted,
        "completed" => CouncilRunStatus.Completed,
        "failed" => CouncilRunStatus.Failed,
        "cancelled" => CouncilRunStatus.Cancelled,
        _ => throw new StorageException($"Unknown run status '{text}' in the council_runs table."),
    };

    private static CouncilRun MapRun(SqliteDataReader r)
    {
        var id = r.GetString(1);
        try
        {
            return new CouncilRun
            {
                Id = CouncilRunId.Parse(id),
                FlowId = r.GetString(2),
                FlowVersion = r.GetStringOrNull(3),
                Subject = r.GetStringOrNull(4),
                Status = ParseStatus(r.GetString(5)),
                Graph = r.GetStringOrNull(6) is { } graph ? SqliteRunGraph.Read(graph, r.GetStringOrNull(10), r.GetStringOrNull(11)) : null,
                CreatedAt = r.GetTime(7),
                UpdatedAt = r.GetTime(8),
                Owner = r.GetStringOrNull(9),
            };
        }
        catch (Exception ex) when (ex is ValidationException or JsonException)
        {
            throw new StorageException($"The stored run '{id}' is not readable: {ex.Message}", ex);
        }
    }
}
