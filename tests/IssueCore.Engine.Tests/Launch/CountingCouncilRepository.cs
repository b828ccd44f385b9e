using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.Engine.Tests.Launch;

/// <summary>Forwards to a real repository and counts the writes of the run record.</summary>
internal sealed class CountingCouncilRepository(ICouncilRepository inner) : ICouncilRepository
{
    private int _graphWrites;
    private int _eventWrites;
    private int _eventsAppended;
    private int _touches;
    private readonly TaskCompletionSource _touched = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int GraphWrites => Volatile.Read(ref _graphWrites);

    /// <summary>Calls that append events (one per batch).</summary>
    public int EventWrites => Volatile.Read(ref _eventWrites);

    public int EventsAppended => Volatile.Read(ref _eventsAppended);

    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default)
    {
        if (run.Graph is not null)
        {
            Interlocked.Increment(ref _graphWrites); // the plan, written with the run
        }

        return inner.CreateRunAsync(run, cancellationToken);
    }

    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default) => inner.UpdateRunStatusAsync(runId, status, cancellationToken);

    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _graphWrites);
        return inner.UpdateGraphAsync(runId, graph, cancellationToken);
    }

    public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _eventWrites);
        Interlocked.Increment(ref _eventsAppended);
        return inner.AppendEventAsync(draft, cancellationToken);
    }

    public Task AppendEventsAsync(IReadOnlyList<CouncilRunEventDraft> drafts, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _eventWrites);
        Interlocked.Add(ref _eventsAppended, drafts.Count);
        return inner.AppendEventsAsync(drafts, cancellationToken);
    }

    public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default) => inner.GetRunAsync(runId, cancellationToken);

    public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default) => inner.ListRunsAsync(statusFilter, cancellationToken);

    public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default) => inner.ListEventsAsync(runId, cancellationToken);

    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default) => inner.MarkInterruptedRunsAsync(cancellationToken);

    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default) => inner.MarkAbandonedRunsAsync(filter, cancellationToken);

    /// <summary>Heartbeats recorded (calls of <see cref="TouchRunAsync"/>).</summary>
    public int Touches => Volatile.Read(ref _touches);

    /// <summary>Completes when the first heartbeat has been recorded.</summary>
    public Task Touched => _touched.Task;

    public async Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default)
    {
        var touched = await inner.TouchRunAsync(runId, owner, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _touches);
        _touched.TrySetResult();
        return touched;
    }

    public Task<int> PurgeFinishedRunsAsync(CouncilRetentionPolicy policy, CancellationToken cancellationToken = default) => inner.PurgeFinishedRunsAsync(policy, cancellationToken);

    public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default) => inner.TruncateEventsAfterWaveAsync(runId, wave, cancellationToken);
}
