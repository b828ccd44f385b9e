using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>The single, immutable record of one dispatched issue's outcome.</summary>
public sealed record EnhanceLogEntry
{
    /// <summary>The issue.</summary>
    public required IssueId IssueId { get; init; }

    /// <summary>
    /// The issue's <see cref="Issue.Round"/> this outcome belongs to: 0 unless an operator requeued the issue. The log
    /// holds at most one entry per issue and round.
    /// </summary>
    public int Round { get; init; }

    /// <summary>The target series.</summary>
    public required BlueprintId BlueprintId { get; init; }

    /// <summary>The head before the dispatch (<see langword="null"/> when the series was new).</summary>
    public BlueprintVersion? PreviousVersion { get; init; }

    /// <summary>The committed version when applied; <see langword="null"/> when rejected.</summary>
    public BlueprintVersion? NewVersion { get; init; }

    /// <summary>The issue's intent.</summary>
    public required string Intent { get; init; }

    /// <summary>The committer's rationale.</summary>
    public required string Rationale { get; init; }

    /// <summary>One verdict per verifier axis, in axis order.</summary>
    public IReadOnlyList<VerdictSummary> Verdicts { get; init; } = [];

    /// <summary>Applied, rejected or failed (dead-lettered).</summary>
    public required EnhanceOutcome Outcome { get; init; }

    /// <summary>For a rejection: the deny reasons as <c>"axis: reason"</c>; for a failure: why it was dead-lettered.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>When the outcome was recorded (stamped by the caller).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    // Traceability.

    /// <summary>The flow run that decided the outcome, or <see langword="null"/> when none ran (an outcome recorded before or without a run).</summary>
    public Council.CouncilRunId? RunId { get; init; }

    /// <summary>Who approved or rejected the change, when the setting required approval; <see langword="null"/> otherwise (and for an expired approval).</summary>
    public string? Approver { get; init; }

    /// <summary>The approver's note, if any.</summary>
    public string? ApprovalNote { get; init; }
}
