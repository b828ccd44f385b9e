using System.Runtime.CompilerServices;
using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.Enhance.Trials;

/// <summary>
/// The council repository of one trial run: it keeps the run and its events in memory and is dropped with the
/// trial, so a trial writes nothing to the host's stores. Bounded: one run, at most <see cref="MaxEvents"/> events.
/// </summary>
internal sealed class TrialCouncilRepository(TimeProvider time) : ICouncilRepository
{
    /// <summary>The most events one trial run may record; a flow that needs more is refused like a failing step.</summary>
    public const int MaxEvents = 100_000;

    private readonly Lock _gate = new();
    private readonly List<CouncilRunEvent> _events = [];
    private CouncilRun? _run;
    private long _sequence;

    /// <summary>The events the trial run recorded, in sequence order.</summary>
    public IReadOnlyList<CouncilRunEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_gate)
        {
            if (_run is not null)
            {
                throw new ConflictException($"A trial records one run; '{_run.Id}' is already recorded.");
            }

            _run = run;
        }

        return Task.CompletedTask;
    }

    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _run = Find(runId) with { Status = status, UpdatedAt = time.GetUtcNow() };
        }

        return Task.CompletedTask;
    }

    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _run = Find(runId) with { Graph = graph.Clone(), UpdatedAt = time.GetUtcNow() };
        }

        return Task.CompletedTask;
    }

    public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        lock (_gate)
        {
            Find(draft.RunId);
            if (_events.Count >= MaxEvents)
            {
                throw new ValidationException("$", $"A trial run records at most {MaxEvents} events.");
            }

            var recorded = new CouncilRunEvent(draft.RunId, ++_sequence, draft.Wave, draft.Kind, draft.NodeId, draft.Payload.Clone(), time.GetUtcNow());
            _events.Add(recorded);
            return Task.FromResult(recorded);
        }
    }

    public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_run is { } run && run.Id == runId ? run : null);
        }
    }

    public async IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        CouncilRun? run;
        lock (_gate)
        {
            run = _run;
        }

        if (run is not null && (statusFilter is null || run.Status == statusFilter))
        {
            yield return run;
        }
    }

    public async IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var recorded in Events)
        {
            if (recorded.RunId == runId)
            {
                yield return recorded;
            }
        }
    }

    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default) => Task.FromResult(0);

    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default) => Task.FromResult(0);

    public Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_run is { } run && run.Id == runId);
        }
    }

    public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_events.RemoveAll(e => e.RunId == runId && e.Wave > wave));
        }
    }

    private CouncilRun Find(CouncilRunId runId)
        => _run is { } run && run.Id == runId ? run : throw new NotFoundException("run", runId.Value);
}
