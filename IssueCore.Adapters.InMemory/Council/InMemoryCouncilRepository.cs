using System.Runtime.CompilerServices;
using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.Adapters.InMemory;

/// <summary>
/// A linearizable in-memory <see cref="ICouncilRepository"/>. Event sequence numbers come from a
/// per-run high-water mark, so they are never reused after a truncation. Contents live as long as the instance, or until
/// <see cref="PurgeFinishedRunsAsync"/> deletes finished runs (the engine's retention service calls it periodically).
/// </summary>
public sealed class InMemoryCouncilRepository : ICouncilRepository
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<CouncilRunId, RunState> _runs = [];
    private long _nextInsertion;

    /// <summary>Creates an empty repository.</summary>
    /// <param name="timeProvider">The clock for event timestamps and status changes; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryCouncilRepository(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(run);
        var stored = run with { Graph = run.Graph?.Clone() };
        lock (_gate)
        {
            if (_runs.TryGetValue(run.Id, out var existing))
            {
                throw new ConflictException($"Run '{run.Id}' already exists.", expected: "(no run)", actual: existing.Run.Status.ToString());
            }

            _runs.Add(run.Id, new RunState(stored, ++_nextInsertion));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Atomic: the run and its events appear together, with their sequence numbers and timestamps as given.</remarks>
    public Task WriteRunAsync(CouncilRunRecord record, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var copy = Copy(record);
        lock (_gate)
        {
            EnsureAbsent(copy.Run.Id);
            Store(copy);
        }

        return Task.CompletedTask;
    }

    /// <summary>The lock every operation takes; a dispatch finalizer takes it last, after the other stores' locks.</summary>
    internal Lock Gate => _gate;

    /// <summary>Validates a record and copies what it holds (the graph and payloads), outside any lock.</summary>
    internal static CouncilRunRecord Copy(CouncilRunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        var events = new CouncilRunEvent[record.Events.Count];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = record.Events[i] with { Payload = record.Events[i].Payload.Clone() };
        }

        return new CouncilRunRecord { Run = record.Run with { Graph = record.Run.Graph?.Clone() }, Events = events };
    }

    /// <summary>Throws a <see cref="ConflictException"/> when the run exists; call under <see cref="Gate"/>.</summary>
    internal void EnsureAbsent(CouncilRunId runId)
    {
        if (_runs.TryGetValue(runId, out var existing))
        {
            throw new ConflictException($"Run '{runId}' already exists.", expected: "(no run)", actual: existing.Run.Status.ToString());
        }
    }

    /// <summary>Stores a copied record whose id is absent; call under <see cref="Gate"/>.</summary>
    internal void Store(CouncilRunRecord copy)
    {
        var state = new RunState(copy.Run, ++_nextInsertion);
        state.Events.AddRange(copy.Events);
        state.HighWater = copy.Events.Count == 0 ? 0 : copy.Events[^1].Sequence;
        _runs.Add(copy.Run.Id, state);
    }

    /// <inheritdoc />
    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var state = GetRun(runId);
            CouncilRunStatusTransitions.EnsureCanTransition(runId, state.Run.Status, status);

            // Moving into Running hands the run to a new executor, which records itself with TouchRunAsync.
            state.Run = state.Run with { Status = status, UpdatedAt = _timeProvider.GetUtcNow(), Owner = status == CouncilRunStatus.Running ? null : state.Run.Owner };
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var copy = graph.Clone();
        lock (_gate)
        {
            var state = GetRun(runId);
            state.Run = state.Run with { Graph = copy, UpdatedAt = _timeProvider.GetUtcNow() };
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentException.ThrowIfNullOrEmpty(draft.Kind);
        var payload = draft.Payload.Clone();
        lock (_gate)
        {
            var state = GetRun(draft.RunId);
            var stored = new CouncilRunEvent(draft.RunId, ++state.HighWater, draft.Wave, draft.Kind, draft.NodeId, payload, _timeProvider.GetUtcNow());
            state.Events.Add(stored);
            state.Run = state.Run with { UpdatedAt = stored.Timestamp };
            return Task.FromResult(stored);
        }
    }

    /// <inheritdoc />
    public Task AppendEventsAsync(IReadOnlyList<CouncilRunEventDraft> drafts, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CouncilRunEventBatch.EnsureOneRun(drafts);
        if (drafts.Count == 0)
        {
            return Task.CompletedTask;
        }

        var payloads = new JsonElement[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            payloads[i] = drafts[i].Payload.Clone();
        }

        lock (_gate)
        {
            var state = GetRun(drafts[0].RunId);
            var now = _timeProvider.GetUtcNow();
            for (var i = 0; i < drafts.Count; i++)
            {
                var draft = drafts[i];
                state.Events.Add(new CouncilRunEvent(draft.RunId, ++state.HighWater, draft.Wave, draft.Kind, draft.NodeId, payloads[i], now));
            }

            state.Run = state.Run with { UpdatedAt = now };
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Atomic: the transition is checked before anything is written.</remarks>
    public Task WriteRunRecordAsync(CouncilRunId runId, IReadOnlyList<CouncilRunEventDraft> events, JsonElement? graph, CouncilRunStatus? status, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CouncilRunEventBatch.EnsureRun(runId, events);
        var payloads = new JsonElement[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            payloads[i] = events[i].Payload.Clone();
        }

        var graphCopy = graph?.Clone();
        lock (_gate)
        {
            var state = GetRun(runId);
            if (status is { } target)
            {
                CouncilRunStatusTransitions.EnsureCanTransition(runId, state.Run.Status, target);
            }

            var now = _timeProvider.GetUtcNow();
            for (var i = 0; i < events.Count; i++)
            {
                var draft = events[i];
                state.Events.Add(new CouncilRunEvent(draft.RunId, ++state.HighWater, draft.Wave, draft.Kind, draft.NodeId, payloads[i], now));
            }

            var run = state.Run with { UpdatedAt = now };
            if (graphCopy is { } g)
            {
                run = run with { Graph = g };
            }

            if (status is { } st)
            {
                run = run with { Status = st, Owner = st == CouncilRunStatus.Running ? null : run.Owner };
            }

            state.Run = run;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<int> PurgeFinishedRunsAsync(CouncilRetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        lock (_gate)
        {
            var doomed = new List<CouncilRunId>();
            if (policy.KeepLatest is { } keep)
            {
                doomed.AddRange(_runs.Values
                    .Where(s => s.Run.Status.IsTerminal())
                    .OrderByDescending(s => s.Run.CreatedAt)
                    .ThenByDescending(s => s.Insertion)
                    .Skip(keep)
                    .Select(s => s.Run.Id));
            }

            if (policy.FinishedBefore is { } before)
            {
                doomed.AddRange(_runs.Values.Where(s => s.Run.Status.IsTerminal() && s.Run.UpdatedAt < before).Select(s => s.Run.Id));
            }

            var deleted = 0;
            foreach (var id in doomed)
            {
                if (deleted == policy.MaxRunsPerCall)
                {
                    break;
                }

                if (_runs.Remove(id))
                {
                    deleted++;
                }
            }

            return Task.FromResult(deleted);
        }
    }

    /// <inheritdoc />
    public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_runs.TryGetValue(runId, out var state) ? state.Run : null);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default)
        => SnapshotRunsAsync(s => statusFilter is not { } filter || s.Run.Status == filter, null, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsAfterAsync(CouncilRunStatus? statusFilter, CouncilRunId? after, CancellationToken cancellationToken = default)
        => SnapshotRunsAsync(s => statusFilter is not { } filter || s.Run.Status == filter, after, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRun> ListRunsBySubjectAsync(string subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return SnapshotRunsAsync(s => string.Equals(s.Run.Subject, subject, StringComparison.Ordinal), null, cancellationToken);
    }

    private async IAsyncEnumerable<CouncilRun> SnapshotRunsAsync(Func<RunState, bool> include, CouncilRunId? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CouncilRun[] snapshot;
        lock (_gate)
        {
            // Newest first by (created, insertion); a key resumes strictly after its run's position.
            RunState? last = null;
            if (after is { } key && !_runs.TryGetValue(key, out last))
            {
                throw new NotFoundException("council run", key.Value);
            }

            snapshot =
            [
                .. _runs.Values
                    .Where(include)
                    .Where(s => last is null || s.Run.CreatedAt < last.Run.CreatedAt || (s.Run.CreatedAt == last.Run.CreatedAt && s.Insertion < last.Insertion))
                    .OrderByDescending(s => s.Run.CreatedAt)
                    .ThenByDescending(s => s.Insertion)
                    .Select(s => s.Run),
            ];
        }

        foreach (var run in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return run;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
        => ListEventsAfterAsync(runId, 0, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<CouncilRunEvent> ListEventsAfterAsync(CouncilRunId runId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CouncilRunEvent[] snapshot;
        lock (_gate)
        {
            // Unknown runs simply have no events; events are appended in sequence order.
            snapshot = _runs.TryGetValue(runId, out var state) ? [.. state.Events.Where(e => e.Sequence > afterSequence)] : [];
        }

        foreach (var e in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            var count = 0;
            foreach (var state in _runs.Values)
            {
                if (state.Run.Status == CouncilRunStatus.Running)
                {
                    state.Run = state.Run with { Status = CouncilRunStatus.Interrupted, UpdatedAt = now };
                    count++;
                }
            }

            return Task.FromResult(count);
        }
    }

    /// <inheritdoc />
    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(filter);
        var owners = filter.AbandonedOwners.ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            var count = 0;
            foreach (var state in _runs.Values)
            {
                var run = state.Run;
                var abandoned = run.UpdatedAt < filter.LastActivityBefore || (run.Owner is { } owner && owners.Contains(owner));
                if (run.Status == CouncilRunStatus.Running && abandoned)
                {
                    state.Run = run with { Status = CouncilRunStatus.Interrupted, UpdatedAt = now };
                    count++;
                }
            }

            return Task.FromResult(count);
        }
    }

    /// <inheritdoc />
    public Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentException.ThrowIfNullOrEmpty(owner);
        lock (_gate)
        {
            var state = GetRun(runId);
            if (state.Run.Status != CouncilRunStatus.Running)
            {
                return Task.FromResult(false);
            }

            state.Run = state.Run with { Owner = owner, UpdatedAt = _timeProvider.GetUtcNow() };
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // The high-water mark is kept, so later appends continue after the deleted numbers.
            return Task.FromResult(GetRun(runId).Events.RemoveAll(e => e.Wave > wave));
        }
    }

    private RunState GetRun(CouncilRunId runId)
        => _runs.TryGetValue(runId, out var state) ? state : throw new NotFoundException("council run", runId.Value);

    private sealed class RunState(CouncilRun run, long insertion)
    {
        public CouncilRun Run { get; set; } = run;

        public long Insertion { get; } = insertion;

        public List<CouncilRunEvent> Events { get; } = [];

        public long HighWater { get; set; }
    }
}
