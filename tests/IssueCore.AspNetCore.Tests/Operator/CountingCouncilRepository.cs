using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.AspNetCore.Tests.Operator;

/// <summary>Forwards to a repository and counts the runs and events its list streams yield.</summary>
internal sealed class CountingCouncilRepository(ICouncilRepository inner, YieldCounter counter) : ICouncilRepository
{
    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default) => inner.CreateRunAsync(run, cancellationToken);

    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default) => inner.UpdateRunStatusAsync(runId, status, cancellationToken);

    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default) => inner.UpdateGraphAsync(runId, graph, cancellationToken);

    public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default) => inner.AppendEventAsync(draft, cancellationToken);

    public Task AppendEventsAsync(IReadOnlyList<CouncilRunEventDraft> drafts, CancellationToken cancellationToken = default) => inner.AppendEventsAsync(drafts, cancellationToken);

    public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default) => inner.GetRunAsync(runId, cancellationToken);

    public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default)
        => counter.Count(inner.ListRunsAsync(statusFilter, cancellationToken), cancellationToken);

    public IAsyncEnumerable<CouncilRun> ListRunsAfterAsync(CouncilRunStatus? statusFilter, CouncilRunId? after, CancellationToken cancellationToken = default)
        => counter.Count(inner.ListRunsAfterAsync(statusFilter, after, cancellationToken), cancellationToken);

    public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
        => counter.Count(inner.ListEventsAsync(runId, cancellationToken), cancellationToken);

    public IAsyncEnumerable<CouncilRunEvent> ListEventsAfterAsync(CouncilRunId runId, long afterSequence, CancellationToken cancellationToken = default)
        => counter.Count(inner.ListEventsAfterAsync(runId, afterSequence, cancellationToken), cancellationToken);

    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default) => inner.MarkInterruptedRunsAsync(cancellationToken);

    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default) => inner.MarkAbandonedRunsAsync(filter, cancellationToken);

    public Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default) => inner.TouchRunAsync(runId, owner, cancellationToken);

    public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default) => inner.TruncateEventsAfterWaveAsync(runId, wave, cancellationToken);
}
