using System.Text.Json;

namespace IssueCore.Council;

/// <summary>
/// Persists flow runs and their events so runs can be listed, resumed after a crash and rewound.
/// Status changes follow <see cref="CouncilRunStatusTransitions"/>.
/// </summary>
public interface ICouncilRepository
{
    /// <summary>Stores a new run.</summary>
    /// <exception cref="ConflictException">A run with the same id exists.</exception>
    Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default);

    /// <summary>Changes a run's status.</summary>
    /// <exception cref="NotFoundException">No such run.</exception>
    /// <exception cref="ConflictException">The transition is not legal (for example out of a terminal status).</exception>
    Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default);

    /// <summary>Replaces a run's serialised plan and node states.</summary>
    /// <remarks>
    /// <paramref name="graph"/> is valid only until the returned task completes (the engine passes an element of a pooled
    /// document it disposes then): a repository that keeps the element must <see cref="JsonElement.Clone"/> it.
    /// </remarks>
    /// <exception cref="NotFoundException">No such run.</exception>
    Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends an event, assigning the next per-run sequence number atomically. Numbers keep counting
    /// after <see cref="TruncateEventsAfterWaveAsync"/>; they are never reused.
    /// </summary>
    /// <returns>The stored event with its sequence number and timestamp.</returns>
    /// <remarks>
    /// The draft's payload is valid only until the returned task completes, as for <see cref="UpdateGraphAsync"/>:
    /// clone it to keep it (the returned event's payload too).
    /// </remarks>
    /// <exception cref="NotFoundException">No such run.</exception>
    Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default);

    /// <summary>Returns a run, or <see langword="null"/>.</summary>
    Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default);

    /// <summary>Streams runs, newest first, optionally only those in one status.</summary>
    IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the runs recorded for <paramref name="subject"/> (<see cref="CouncilRun.Subject"/>, compared ordinally),
    /// newest first: for an issue's dispatches, <see cref="CouncilRunSubjects.ForIssue"/>.
    /// </summary>
    /// <remarks>The default filters <see cref="ListRunsAsync"/>; the bundled adapters read an index.</remarks>
    /// <param name="subject">The subject.</param>
    /// <param name="cancellationToken">Cancels the stream.</param>
    /// <returns>The runs, newest first.</returns>
    async IAsyncEnumerable<CouncilRun> ListRunsBySubjectAsync(string subject, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        await foreach (var run in ListRunsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(run.Subject, subject, StringComparison.Ordinal))
            {
                yield return run;
            }
        }
    }

    /// <summary>Streams a run's events in sequence order.</summary>
    IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams runs newest first, optionally only those in one status, starting after the run <paramref name="after"/>
    /// in that order (from the newest when <see langword="null"/>). Keyset paging: the store finds the run by its id and
    /// starts after its position, so a page's cost does not depend on its position. The run need not be in
    /// <paramref name="statusFilter"/>'s status. Stores written before this member existed walk the whole list.
    /// </summary>
    /// <exception cref="NotFoundException">No run has the id <paramref name="after"/> (raised when the stream is read).</exception>
    IAsyncEnumerable<CouncilRun> ListRunsAfterAsync(CouncilRunStatus? statusFilter, CouncilRunId? after, CancellationToken cancellationToken = default)
    {
        if (after is not { } key)
        {
            return ListRunsAsync(statusFilter, cancellationToken);
        }

        // The run may not be in the filtered status, so the walk looks for it in the unfiltered list.
        var walk = IssueCore.Paging.KeysetFallback.After(ListRunsAsync(null, cancellationToken), r => r.Id == key, "council run", key.Value, cancellationToken);
        return statusFilter is { } status ? IssueCore.Paging.KeysetFallback.Where(walk, r => r.Status == status, cancellationToken) : walk;
    }

    /// <summary>
    /// Streams a run's events whose sequence number is greater than <paramref name="afterSequence"/>, in sequence order.
    /// Stores written before this member existed walk <see cref="ListEventsAsync"/> from the start.
    /// </summary>
    IAsyncEnumerable<CouncilRunEvent> ListEventsAfterAsync(CouncilRunId runId, long afterSequence, CancellationToken cancellationToken = default)
        => afterSequence <= 0
            ? ListEventsAsync(runId, cancellationToken)
            : IssueCore.Paging.KeysetFallback.Where(ListEventsAsync(runId, cancellationToken), e => e.Sequence > afterSequence, cancellationToken);

    /// <summary>
    /// Marks every <see cref="CouncilRunStatus.Running"/> run <see cref="CouncilRunStatus.Interrupted"/>. Only safe when
    /// no other process executes runs on this repository; hosts sharing one use
    /// <see cref="MarkAbandonedRunsAsync"/>.
    /// </summary>
    /// <returns>How many runs were marked.</returns>
    Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks the <see cref="CouncilRunStatus.Running"/> runs that <paramref name="filter"/> takes for abandoned
    /// <see cref="CouncilRunStatus.Interrupted"/>, checking each run's status, activity and owner in the same write
    /// that marks it, so a run that a live launcher touched or re-claimed in the meantime is left alone.
    /// Called at host start. Repositories written before this member existed throw <see cref="NotSupportedException"/>.
    /// </summary>
    /// <returns>How many runs were marked.</returns>
    Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} cannot mark only abandoned runs.");

    /// <summary>
    /// Records that <paramref name="owner"/> is executing the run now: sets <see cref="CouncilRun.Owner"/> and refreshes
    /// <see cref="CouncilRun.UpdatedAt"/>, only while the run is <see cref="CouncilRunStatus.Running"/>. Launchers call it
    /// when they start executing a run and then periodically (a heartbeat), so other hosts do not take it for abandoned.
    /// Repositories written before this member existed throw <see cref="NotSupportedException"/>.
    /// </summary>
    /// <returns><see langword="true"/> when the run was touched; <see langword="false"/> when it is not (or no longer) running.</returns>
    /// <exception cref="NotFoundException">No such run.</exception>
    Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} cannot record run activity.");

    /// <summary>
    /// Appends several events of one run in order, as <see cref="AppendEventAsync"/> would one after the other, assigning
    /// consecutive sequence numbers. Stores that can write them in one transaction do (all or none); the default appends
    /// them one at a time. The drafts' payloads are valid only until the returned task completes. A batch counts as the
    /// run's activity (<see cref="CouncilRun.UpdatedAt"/>) to within a second: a store may leave a timestamp that is less
    /// than a second old as it is.
    /// </summary>
    /// <exception cref="NotFoundException">No such run.</exception>
    /// <exception cref="ArgumentException">The drafts name more than one run.</exception>
    async Task AppendEventsAsync(IReadOnlyList<CouncilRunEventDraft> drafts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        CouncilRunEventBatch.EnsureOneRun(drafts);
        foreach (var draft in drafts)
        {
            await AppendEventAsync(draft, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a part of a run's record in one go: <paramref name="events"/> (as <see cref="AppendEventsAsync"/> would,
    /// possibly none), then the graph when <paramref name="graph"/> is given (as <see cref="UpdateGraphAsync"/>), then the
    /// status when <paramref name="status"/> is given (as <see cref="UpdateRunStatusAsync"/>, transition checked). Stores
    /// that can write it in one transaction do (all or none), so a run's last events, its final graph and its
    /// <see cref="CouncilRunStatus.Completed"/> status cost one commit; the default makes the three calls in that order.
    /// The payloads and the graph are valid only until the returned task completes.
    /// </summary>
    /// <exception cref="NotFoundException">No such run.</exception>
    /// <exception cref="ConflictException">The status transition is not legal.</exception>
    /// <exception cref="ArgumentException">An event names another run.</exception>
    async Task WriteRunRecordAsync(CouncilRunId runId, IReadOnlyList<CouncilRunEventDraft> events, JsonElement? graph, CouncilRunStatus? status, CancellationToken cancellationToken = default)
    {
        CouncilRunEventBatch.EnsureRun(runId, events);
        if (events.Count > 0)
        {
            await AppendEventsAsync(events, cancellationToken).ConfigureAwait(false);
        }

        if (graph is { } g)
        {
            await UpdateGraphAsync(runId, g, cancellationToken).ConfigureAwait(false);
        }

        if (status is { } s)
        {
            await UpdateRunStatusAsync(runId, s, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stores a whole run recorded elsewhere (for example in memory while it executed): the run as
    /// <see cref="CreateRunAsync"/> would, in the status and with the graph <see cref="CouncilRunRecord.Run"/> has, then
    /// its events. Stores that can write it in one transaction do (all or none) and keep the events' sequence numbers
    /// and timestamps; the default creates the run and appends the events, which then get the store's own numbers and
    /// timestamps (the same numbers when the record's run from 1 without gaps). Later appends continue above the last
    /// number. The payloads and the graph are valid only until the returned task completes.
    /// </summary>
    /// <exception cref="ConflictException">A run with the same id exists; nothing was written.</exception>
    /// <exception cref="ArgumentException">The record is not valid (see <see cref="CouncilRunRecord.Validate"/>).</exception>
    async Task WriteRunAsync(CouncilRunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        await CreateRunAsync(record.Run, cancellationToken).ConfigureAwait(false);
        if (record.Events.Count > 0)
        {
            var drafts = new CouncilRunEventDraft[record.Events.Count];
            for (var i = 0; i < drafts.Length; i++)
            {
                var e = record.Events[i];
                drafts[i] = new CouncilRunEventDraft(e.RunId, e.Wave, e.Kind, e.NodeId, e.Payload);
            }

            await AppendEventsAsync(drafts, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes finished runs (<see cref="CouncilRunStatusTransitions.IsTerminal"/>) and their events as
    /// <paramref name="policy"/> says, at most <see cref="CouncilRetentionPolicy.MaxRunsPerCall"/> runs per call.
    /// Running, interrupted and awaiting-approval runs are never deleted. Repositories written before this member existed
    /// throw <see cref="NotSupportedException"/>.
    /// </summary>
    /// <returns>How many runs were deleted (call again while it returns the per-call maximum).</returns>
    Task<int> PurgeFinishedRunsAsync(CouncilRetentionPolicy policy, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} cannot purge finished runs.");

    /// <summary>Deletes a run's events whose wave is strictly greater than <paramref name="wave"/> (for a rewind).</summary>
    /// <returns>How many events were deleted.</returns>
    /// <exception cref="NotFoundException">No such run.</exception>
    Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default);
}
