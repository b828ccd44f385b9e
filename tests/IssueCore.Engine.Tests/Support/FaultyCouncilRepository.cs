using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.Engine.Tests.Support;

/// <summary>Forwards to a real repository and injects failures into chosen operations.</summary>
internal sealed class FaultyCouncilRepository(ICouncilRepository inner) : ICouncilRepository
{
    public bool FailAppends { get; set; }

    public CouncilRunStatus? FailStatus { get; set; }

    public bool FailGraphWrites { get; set; }

    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default) => inner.CreateRunAsync(run, cancellationToken);

    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default)
        => status == FailStatus ? throw new StorageException("disk on fire") : inner.UpdateRunStatusAsync(runId, status, cancellationToken);

    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
        => FailGraphWrites ? throw new StorageException("graph store unavailable") : inner.UpdateGraphAsync(runId, graph, cancellationToken);

    public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
        => FailAppends ? throw new StorageException("event log unavailable") : inner.AppendEventAsync(draft, cancellationToken);

    public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default) => inner.GetRunAsync(runId, cancellationToken);

    public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default) => inner.ListRunsAsync(statusFilter, cancellationToken);

    public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default) => inner.ListEventsAsync(runId, cancellationToken);

    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default) => inner.MarkInterruptedRunsAsync(cancellationToken);

    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default) => inner.MarkAbandonedRunsAsync(filter, cancellationToken);

    public Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default) => inner.TouchRunAsync(runId, owner, cancellationToken);

    public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default) => inner.TruncateEventsAfterWaveAsync(runId, wave, cancellationToken);
}
