using System.Runtime.CompilerServices;
using System.Text.Json;
using IssueCore.Council;
using IssueCore.Engine.Tests.Enhance;

namespace IssueCore.Engine.Tests.Support;

/// <summary>
/// Forwards to a real repository and injects failures into chosen operations; with a <see cref="FaultPlan"/>, every
/// operation also counts as a store call of that plan (named <c>council.*</c>) and fails when the plan says so.
/// </summary>
internal sealed class FaultyCouncilRepository(ICouncilRepository inner, FaultPlan? plan = null) : ICouncilRepository
{
    public bool FailAppends { get; set; }

    public CouncilRunStatus? FailStatus { get; set; }

    public bool FailGraphWrites { get; set; }

    public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default)
        => Run("council.create", () => inner.CreateRunAsync(run, cancellationToken), cancellationToken);

    public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default)
        => status == FailStatus ? throw new StorageException("disk on fire") : Run("council.status", () => inner.UpdateRunStatusAsync(runId, status, cancellationToken), cancellationToken);

    public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
        => FailGraphWrites ? throw new StorageException("graph store unavailable") : Run("council.graph", () => inner.UpdateGraphAsync(runId, graph, cancellationToken), cancellationToken);

    public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
        => FailAppends ? throw new StorageException("event log unavailable") : Run("council.append", () => inner.AppendEventAsync(draft, cancellationToken), cancellationToken);

    public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
        => Run("council.get", () => inner.GetRunAsync(runId, cancellationToken), cancellationToken);

    public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default)
        => Stream("council.list_runs", inner.ListRunsAsync(statusFilter, cancellationToken), cancellationToken);

    public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
        => Stream("council.list_events", inner.ListEventsAsync(runId, cancellationToken), cancellationToken);

    public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default)
        => Run("council.mark_interrupted", () => inner.MarkInterruptedRunsAsync(cancellationToken), cancellationToken);

    public Task<int> MarkAbandonedRunsAsync(CouncilRunInterruptFilter filter, CancellationToken cancellationToken = default)
        => Run("council.mark_abandoned", () => inner.MarkAbandonedRunsAsync(filter, cancellationToken), cancellationToken);

    public Task<bool> TouchRunAsync(CouncilRunId runId, string owner, CancellationToken cancellationToken = default)
        => Run("council.touch", () => inner.TouchRunAsync(runId, owner, cancellationToken), cancellationToken);

    public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default)
        => Run("council.truncate", () => inner.TruncateEventsAfterWaveAsync(runId, wave, cancellationToken), cancellationToken);

    private Task<T> Run<T>(string name, Func<Task<T>> call, CancellationToken cancellationToken) => plan is null ? call() : plan.RunAsync(name, call, cancellationToken);

    private Task Run(string name, Func<Task> call, CancellationToken cancellationToken) => plan is null ? call() : plan.RunAsync(name, call, cancellationToken);

    /// <summary>A listing counts as one call, made when enumeration starts.</summary>
    private async IAsyncEnumerable<T> Stream<T>(string name, IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (plan is not null)
        {
            await plan.RunAsync(name, () => Task.CompletedTask, cancellationToken);
        }

        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            yield return item;
        }
    }
}
