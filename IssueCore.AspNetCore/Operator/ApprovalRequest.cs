namespace IssueCore.AspNetCore.Operator;

/// <summary>The optional body of <c>POST /issues/{id}/approve</c> and <c>/reject</c>: why, in the operator's words.</summary>
internal sealed record ApprovalRequest(string? Note);
