using System.Runtime.CompilerServices;
using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.Benchmarks.Flows;

/// <summary>A repository that stores nothing, to measure the engine without recording costs.</summary>
internal sealed class NoopCouncilRepository : ICouncilRepository
{
    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
        => Task.FromResult(new CouncilRunEvent(draft.RunId, 1, draft.Wave, draft.Kind, draft.NodeId, draft.Payload, default));

    // The batch members too: their default implementations append one event at a time, each a new event and task, which is
    // a recording cost this repository is here to leave out.
    public Task AppendEventsAsync(IReadOnlyList<CouncilRunEventDraft> drafts, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task WriteRunRecordAsync(CouncilRunId runId, IReadOnlyList<CouncilRunEventDraft> events, JsonElement? graph, CouncilRunStatus? status, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default) => Task.FromResult<CouncilRun?>(null);

    public async IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public async IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default) => Task.FromResult(0);

    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default) => Task.FromResult(0);

    public Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default) => Task.FromResult(0);
}
