namespace IssueCore.AspNetCore.Operator;

/// <summary><c>POST /issues/{id}/requeue</c>: whether this call requeued the issue, and the issue's state after it.</summary>
internal sealed record RequeueResponse(string IssueId, bool Requeued, string Status, int Round, int Attempts, string RequestedBy);
