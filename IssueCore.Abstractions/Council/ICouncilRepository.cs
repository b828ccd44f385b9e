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
    /// <exception cref="NotFoundException">No such run.</exception>
    Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends an event, assigning the next per-run sequence number atomically. Numbers keep counting
    /// after <see cref="TruncateEventsAfterWaveAsync"/>; they are never reused.
    /// </summary>
    /// <returns>The stored event with its sequence number and timestamp.</returns>
    /// <exception cref="NotFoundException">No such run.</exception>
    Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default);

    /// <summary>Returns a run, or <see langword="null"/>.</summary>
    Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default);

    /// <summary>Streams runs, newest first, optionally only those in one status.</summary>
    IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default);

    /// <summary>Streams a run's events in sequence order.</summary>
    IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default);

    /// <summary>Marks every <see cref="CouncilRunStatus.Running"/> run <see cref="CouncilRunStatus.Interrupted"/>. Called once at host start.</summary>
    /// <returns>How many runs were marked.</returns>
    Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a run's events whose wave is strictly greater than <paramref name="wave"/> (for a rewind).</summary>
    /// <returns>How many events were deleted.</returns>
    /// <exception cref="NotFoundException">No such run.</exception>
    Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default);
}
