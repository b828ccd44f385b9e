using System.Runtime.CompilerServices;
using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.Launch;

/// <summary>
/// The council repository of one run that is recorded in memory while it executes and stored in one go afterwards:
/// the dispatcher hands <see cref="TakeRecordAsync"/> to its final transaction (the commit, the log entry and the issue's
/// completion), so a dispatch's whole run costs no write of its own.
/// </summary>
/// <remarks>
/// <para>
/// <b>Flush seam.</b> <see cref="FlushAsync"/> writes what is buffered so far (the run in its current status, its graph
/// and its events) to the backing repository in one <see cref="ICouncilRepository.WriteRunAsync"/>, and from then on
/// every call passes straight through, as if the run had been recorded eagerly from the start. Whoever must make the
/// run durable before the dispatch ends (a run that waits for a person, a run about to outlive this process) flushes
/// it; a run that failed is flushed the same way. Without a flush, a process that dies mid-run leaves nothing behind:
/// the issue's lease expires and it is dispatched again from the start, so nothing is lost that a resume would need.
/// </para>
/// <para>
/// Bounded: past <see cref="MaxBufferedEvents"/> events the buffer flushes itself and passes through. One run only: a
/// second <see cref="CreateRunAsync"/> is refused. Reads of other runs, and the repository-wide operations (marking
/// abandoned runs, purging), go to the backing repository.
/// </para>
/// </remarks>
#pragma warning disable CA1001 // the gate's wait handle is never read, so it owns nothing a finalizer-free drop would leak
internal sealed class BufferedCouncilRepository : ICouncilRepository
#pragma warning restore CA1001
{
    /// <summary>The most events held in memory; the next append flushes the run and passes through.</summary>
    public const int MaxBufferedEvents = 4_096;

    private readonly ICouncilRepository _target;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<CouncilRunEvent> _events = [];
    private CouncilRun? _run;
    private long _sequence;
    private State _state;

    public BufferedCouncilRepository(ICouncilRepository target, TimeProvider time)
    {
        _target = target;
        _time = time;
    }

    private enum State
    {
        Buffering,
        PassingThrough,
    }

    /// <summary>The repository the run is (or will be) stored in.</summary>
    public ICouncilRepository Target => _target;

    /// <summary>Whether the run is in the backing repository: flushed, or taken and then confirmed written.</summary>
    public bool IsStored => _state == State.PassingThrough;

    /// <summary>
    /// Returns the buffered run for a write elsewhere (the dispatch's final transaction), or <see langword="null"/> when
    /// there is none or it is stored already. The buffer keeps it until <see cref="MarkStored"/> confirms the write; until
    /// then a <see cref="FlushAsync"/> still writes it (after a final transaction that did not commit, say).
    /// </summary>
    public async Task<CouncilRunRecord?> TakeRecordAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _run is null || _state == State.PassingThrough ? null : new CouncilRunRecord { Run = _run, Events = [.. _events] };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Confirms that the record <see cref="TakeRecordAsync"/> returned was written: later calls pass through.</summary>
    public void MarkStored()
    {
        _state = State.PassingThrough;
        _events.Clear();
    }

    /// <summary>
    /// Writes the run as buffered so far to the backing repository (one <see cref="ICouncilRepository.WriteRunAsync"/>)
    /// and passes every later call through. Does nothing when there is no run or it is stored already.
    /// </summary>
    /// <exception cref="ConflictException">The backing repository holds a run with this id already.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return TryBuffered(run, static (self, r) => self.CreateBuffered(r), cancellationToken) ?? UnderGate(
            ct =>
            {
                CreateBuffered(run);
                return Task.CompletedTask;
            },
            ct => _target.CreateRunAsync(run, ct),
            cancellationToken);
    }

    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default)
    {
        return TryBuffered((runId, status), static (self, a) => self.UpdateStatusBuffered(a.runId, a.status), cancellationToken) ?? UnderGate(
            ct =>
            {
                UpdateStatusBuffered(runId, status);
                return Task.CompletedTask;
            },
            ct => _target.UpdateRunStatusAsync(runId, status, ct),
            cancellationToken);
    }

    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
    {
        return TryBuffered((runId, graph), static (self, a) => self.UpdateGraphBuffered(a.runId, a.graph), cancellationToken) ?? UnderGate(
            ct =>
            {
                UpdateGraphBuffered(runId, graph);
                return Task.CompletedTask;
            },
            ct => _target.UpdateGraphAsync(runId, graph, ct),
            cancellationToken);
    }

    public async Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentException.ThrowIfNullOrEmpty(draft.Kind);
        CouncilRunEvent? appended = null;
        await UnderGate(
            async ct =>
            {
                if (await MakeRoomAsync(1, ct).ConfigureAwait(false))
                {
                    appended = Append(draft, _time.GetUtcNow());
                }
                else
                {
                    appended = await _target.AppendEventAsync(draft, ct).ConfigureAwait(false);
                }
            },
            async ct => appended = await _target.AppendEventAsync(draft, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return appended!;
    }

    public Task AppendEventsAsync(IReadOnlyList<CouncilRunEventDraft> drafts, CancellationToken cancellationToken = default)
    {
        CouncilRunEventBatch.EnsureOneRun(drafts);
        if (drafts.Count == 0)
        {
            return Task.CompletedTask;
        }

        return TryBuffered(drafts, static (self, d) => self.TryAppendBuffered(d), cancellationToken) ?? UnderGate(
            async ct =>
            {
                if (!await MakeRoomAsync(drafts.Count, ct).ConfigureAwait(false))
                {
                    await _target.AppendEventsAsync(drafts, ct).ConfigureAwait(false);
                    return;
                }

                AppendAll(drafts);
            },
            ct => _target.AppendEventsAsync(drafts, ct),
            cancellationToken);
    }

    public Task WriteRunRecordAsync(CouncilRunId runId, IReadOnlyList<CouncilRunEventDraft> events, JsonElement? graph, CouncilRunStatus? status, CancellationToken cancellationToken = default)
    {
        CouncilRunEventBatch.EnsureRun(runId, events);
        return TryBuffered((runId, events, graph, status), static (self, a) => self.TryWriteRecordBuffered(a.runId, a.events, a.graph, a.status), cancellationToken) ?? UnderGate(
            async ct =>
            {
                var run = CheckedRecordTarget(runId, status);
                if (!await MakeRoomAsync(events.Count, ct).ConfigureAwait(false))
                {
                    await _target.WriteRunRecordAsync(runId, events, graph, status, ct).ConfigureAwait(false);
                    return;
                }

                WriteRecordBuffered(run, events, graph, status);
            },
            ct => _target.WriteRunRecordAsync(runId, events, graph, status, ct),
            cancellationToken);
    }

    public async Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
    {
        if (_state != State.PassingThrough && _run is { } run && run.Id == runId)
        {
            return run;
        }

        return await _target.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default)
        => _target.ListRunsAsync(statusFilter, cancellationToken);

    public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
        => _state != State.PassingThrough && _run is { } run && run.Id == runId
            ? Buffered(cancellationToken)
            : _target.ListEventsAsync(runId, cancellationToken);

    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default) => _target.MarkInterruptedRunsAsync(cancellationToken);

    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default)
        => _target.MarkAbandonedRunsAsync(filter, cancellationToken);

    public async Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        if (TryEnterBuffering(cancellationToken))
        {
            try
            {
                return TouchBuffered(runId, owner);
            }
            finally
            {
                _gate.Release();
            }
        }

        var touched = false;
        await UnderGate(
            ct =>
            {
                touched = TouchBuffered(runId, owner);
                return Task.CompletedTask;
            },
            async ct => touched = await _target.TouchRunAsync(runId, owner, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return touched;
    }

    public Task<int> PurgeFinishedRunsAsync(CouncilRetentionPolicy policy, CancellationToken cancellationToken = default)
        => _target.PurgeFinishedRunsAsync(policy, cancellationToken);

    public async Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        await UnderGate(
            ct =>
            {
                Find(runId);
                removed = _events.RemoveAll(e => e.Wave > wave);
                return Task.CompletedTask;
            },
            async ct => removed = await _target.TruncateEventsAfterWaveAsync(runId, wave, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return removed;
    }

    /// <summary>
    /// Takes the gate without waiting, when it is free (no write in flight, no flush) and the run is still buffering: the
    /// caller then does its in-memory work synchronously and releases the gate. Otherwise (the gate is taken, the run passes
    /// through, the token is cancelled) returns <see langword="false"/> and the caller goes the asynchronous way,
    /// <see cref="UnderGate"/>. Nothing spins: one attempt.
    /// </summary>
    private bool TryEnterBuffering(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || !_gate.Wait(0, CancellationToken.None))
        {
            return false;
        }

        if (_state == State.Buffering)
        {
            return true;
        }

        _gate.Release();
        return false;
    }

    /// <summary>
    /// Does <paramref name="write"/> in place when <see cref="TryEnterBuffering"/> takes the gate: returns a completed task,
    /// or a faulted one when it threw, or <see langword="null"/> when the gate was not taken or the write declined (the
    /// buffer is full): the caller then goes the asynchronous way. The delegates are static, so a call allocates nothing.
    /// </summary>
    private Task? TryBuffered<TState>(TState state, Action<BufferedCouncilRepository, TState> write, CancellationToken cancellationToken)
        => TryBuffered((write, state), static (self, a) =>
        {
            a.write(self, a.state);
            return true;
        }, cancellationToken);

    private Task? TryBuffered<TState>(TState state, Func<BufferedCouncilRepository, TState, bool> write, CancellationToken cancellationToken)
    {
        if (!TryEnterBuffering(cancellationToken))
        {
            return null;
        }

        try
        {
            return write(this, state) ? Task.CompletedTask : null;
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void CreateBuffered(CouncilRun run)
    {
        if (_run is not null)
        {
            throw new ConflictException($"A buffered recording holds one run; '{_run.Id}' is already recorded.", expected: null, actual: run.Id.Value);
        }

        _run = run with { Graph = run.Graph?.Clone() };
    }

    private void UpdateStatusBuffered(CouncilRunId runId, CouncilRunStatus status)
    {
        var run = Find(runId);
        CouncilRunStatusTransitions.EnsureCanTransition(runId, run.Status, status);
        _run = run with { Status = status, UpdatedAt = _time.GetUtcNow(), Owner = status == CouncilRunStatus.Running ? null : run.Owner };
    }

    private bool TouchBuffered(CouncilRunId runId, string owner)
    {
        // Activity is what keeps other hosts from taking a stored run for abandoned; a buffered run is not stored.
        var run = Find(runId);
        if (run.Status != CouncilRunStatus.Running)
        {
            return false;
        }

        _run = run with { Owner = owner, UpdatedAt = _time.GetUtcNow() };
        return true;
    }

    private void UpdateGraphBuffered(CouncilRunId runId, JsonElement graph)
        => _run = Find(runId) with { Graph = graph.Clone(), UpdatedAt = _time.GetUtcNow() };

    /// <summary>Appends the drafts when they fit in memory; <see langword="false"/> when a flush must make room first.</summary>
    private bool TryAppendBuffered(IReadOnlyList<CouncilRunEventDraft> drafts)
    {
        if (_events.Count + drafts.Count > MaxBufferedEvents)
        {
            return false;
        }

        AppendAll(drafts);
        return true;
    }

    /// <summary>Writes a run record when its events fit in memory; <see langword="false"/> when a flush must make room first.</summary>
    private bool TryWriteRecordBuffered(CouncilRunId runId, IReadOnlyList<CouncilRunEventDraft> events, JsonElement? graph, CouncilRunStatus? status)
    {
        var run = CheckedRecordTarget(runId, status);
        if (_events.Count + events.Count > MaxBufferedEvents)
        {
            return false;
        }

        WriteRecordBuffered(run, events, graph, status);
        return true;
    }

    private void AppendAll(IReadOnlyList<CouncilRunEventDraft> drafts)
    {
        var now = _time.GetUtcNow();
        for (var i = 0; i < drafts.Count; i++)
        {
            Append(drafts[i], now);
        }
    }

    /// <summary>The run a record write changes, its status transition checked before anything changes (all or none, as a store's single transaction).</summary>
    private CouncilRun CheckedRecordTarget(CouncilRunId runId, CouncilRunStatus? status)
    {
        var run = Find(runId);
        if (status is { } target)
        {
            CouncilRunStatusTransitions.EnsureCanTransition(runId, run.Status, target);
        }

        return run;
    }

    private void WriteRecordBuffered(CouncilRun run, IReadOnlyList<CouncilRunEventDraft> events, JsonElement? graph, CouncilRunStatus? status)
    {
        var now = _time.GetUtcNow();
        for (var i = 0; i < events.Count; i++)
        {
            Append(events[i], now);
        }

        _run = run with
        {
            Graph = graph is { } g ? g.Clone() : run.Graph,
            Status = status ?? run.Status,
            UpdatedAt = now,
            Owner = status == CouncilRunStatus.Running ? null : run.Owner,
        };
    }

    private async Task UnderGate(Func<CancellationToken, Task> buffered, Func<CancellationToken, Task> passThrough, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state == State.PassingThrough)
            {
                await passThrough(cancellationToken).ConfigureAwait(false);
                return;
            }

            await buffered(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether <paramref name="count"/> more events fit in memory; when not, flushes (the caller then passes through).</summary>
    private async Task<bool> MakeRoomAsync(int count, CancellationToken cancellationToken)
    {
        if (_events.Count + count <= MaxBufferedEvents)
        {
            return true;
        }

        await FlushLockedAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task FlushLockedAsync(CancellationToken cancellationToken)
    {
        if (_run is null || _state == State.PassingThrough)
        {
            return;
        }

        await _target.WriteRunAsync(new CouncilRunRecord { Run = _run, Events = [.. _events] }, cancellationToken).ConfigureAwait(false);
        MarkStored();
    }

    private CouncilRunEvent Append(CouncilRunEventDraft draft, DateTimeOffset now)
    {
        Find(draft.RunId);
        var recorded = new CouncilRunEvent(draft.RunId, ++_sequence, draft.Wave, draft.Kind, draft.NodeId, draft.Payload.Clone(), now);
        _events.Add(recorded);
        return recorded;
    }

    private CouncilRun Find(CouncilRunId runId)
        => _run is { } run && run.Id == runId ? run : throw new NotFoundException("council run", runId.Value);

    private async IAsyncEnumerable<CouncilRunEvent> Buffered([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        CouncilRunEvent[] snapshot;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            snapshot = [.. _events];
        }
        finally
        {
            _gate.Release();
        }

        foreach (var e in snapshot)
        {
            yield return e;
        }
    }
}
