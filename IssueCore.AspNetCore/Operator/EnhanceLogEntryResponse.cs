using IssueCore.AspNetCore.Issues;

namespace IssueCore.AspNetCore.Operator;

/// <summary>One enhance log entry (one issue's outcome in one round).</summary>
internal sealed record EnhanceLogEntryResponse(
    string IssueId,
    int Round,
    string BlueprintId,
    string Outcome,
    string? PreviousVersion,
    string? NewVersion,
    string Intent,
    string Rationale,
    IReadOnlyList<VerdictResponse> Verdicts,
    IReadOnlyList<string> Reasons,
    DateTimeOffset Timestamp,
    string? Approver = null,
    string? ApprovalNote = null);
