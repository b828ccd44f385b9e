using System.Text.Json;
using IssueCore.Blueprints;

namespace IssueCore.Issues;

/// <summary>A stored issue: a request to change one Blueprint series, with its lifecycle state.</summary>
public sealed record Issue
{
    /// <summary>The issue id.</summary>
    public required IssueId Id { get; init; }

    /// <summary>The Blueprint series the change targets.</summary>
    public required BlueprintId BlueprintId { get; init; }

    /// <summary>What the change should achieve.</summary>
    public required string Intent { get; init; }

    /// <summary>The RFC 6902 operations the caller supplied, if any.</summary>
    public JsonElement? Patch { get; init; }

    /// <summary>Why the change is wanted.</summary>
    public string? Rationale { get; init; }

    /// <summary>Which part of the version label an applied change bumps.</summary>
    public VersionBump Bump { get; init; }

    /// <summary>A short title.</summary>
    public string Title { get; init; } = string.Empty;

    /// <summary>A longer description.</summary>
    public string? Description { get; init; }

    /// <summary>Claim priority.</summary>
    public IssuePriority Priority { get; init; } = IssuePriority.Medium;

    /// <summary>Free-form labels.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>When the issue should be resolved by.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>Where the issue came from.</summary>
    public IssueSource? Source { get; init; }

    /// <summary>The creation idempotency key, if one was given.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The lifecycle status.</summary>
    public required IssueStatus Status { get; init; }

    /// <summary>How many times the issue has been claimed. Counted at claim time, so a dispatch that crashes the process still uses up the retry budget.</summary>
    public int Attempts { get; init; }

    /// <summary>
    /// How many times an operator sent the issue back to the queue (see <see cref="IIssueStore.RequeueAsync"/>): 0 for
    /// the first round. Each round has its own enhance log entry (<see cref="Enhance.EnhanceLogEntry.Round"/>).
    /// </summary>
    public int Round { get; init; }

    /// <summary>
    /// <see cref="Attempts"/> when the current round began (0 in the first round). <see cref="Attempts"/> keeps
    /// counting across rounds, so a lease's fencing token is never reused; the retry budget counts
    /// <see cref="RoundAttempts"/>.
    /// </summary>
    public int RoundStartAttempts { get; init; }

    /// <summary>The claims made in the current round: the count the retry budget applies to.</summary>
    public int RoundAttempts => Attempts - RoundStartAttempts;

    /// <summary>Who holds the lease while <see cref="IssueState.Running"/>.</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>When the current lease expires: from this instant on (the clock at or past it) the issue can be claimed again.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>A pending issue is not claimed before this time (the retry back-off); from this instant on it is claimable.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>The last infrastructure error, recorded when the issue was released for a retry.</summary>
    public string? LastError { get; init; }

    /// <summary>When the issue was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the issue last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    // Ingestion identity and traceability.

    /// <summary>The ingestion request's <c>target_repo</c> as the emitter sent it (before it was mapped to <see cref="BlueprintId"/>), or <see langword="null"/> when the issue was not ingested.</summary>
    public string? TargetRepo { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the ingestion request, if it carried one; the dispatch's activity continues this trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// The flow run of the latest dispatch, or <see langword="null"/> before any run. A run recorded as it executes
    /// (<c>RecordRunsEagerly</c>) is named here when it starts (<see cref="IIssueStore.RecordRunUnderLeaseAsync"/>); a
    /// buffered run (the default) is named with the dispatch's outcome, in the transaction that completes the issue
    /// (<see cref="Enhance.IDispatchFinalizer"/>), or when the issue is parked for approval or released for a retry.
    /// While a buffered run executes, this still names the previous dispatch's run (the new run is not stored yet either).
    /// </summary>
    public Council.CouncilRunId? RunId { get; init; }
}
