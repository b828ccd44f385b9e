namespace IssueCore.AspNetCore.Operator;

/// <summary>
/// <c>POST /issues/{id}/approve</c> and <c>/reject</c>: the decision recorded, what the dispatch did with it
/// (<c>applied</c>, or <c>rejected</c> with the reason), and the issue's state after it.
/// </summary>
internal sealed record ApprovalResponse(string IssueId, string Decision, string Result, string Status, string? NewVersion, string? Reason, string DecidedBy, string? Note);
