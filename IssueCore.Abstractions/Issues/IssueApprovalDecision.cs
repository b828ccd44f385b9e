namespace IssueCore.Issues;

/// <summary>A decision on an issue that waits for approval (see <see cref="IIssueStore.DecideApprovalAsync"/>).</summary>
/// <param name="Verdict">Approved, rejected or expired.</param>
/// <param name="DecidedBy">Who decided (a person, or the dispatcher for an expiry).</param>
/// <param name="Note">Why, in the decider's words; may be <see langword="null"/>.</param>
/// <param name="DecidedAt">When (stamped by the caller from its <see cref="TimeProvider"/>).</param>
public sealed record IssueApprovalDecision(ApprovalVerdict Verdict, string DecidedBy, string? Note, DateTimeOffset DecidedAt);
