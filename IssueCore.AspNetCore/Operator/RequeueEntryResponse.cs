namespace IssueCore.AspNetCore.Operator;

/// <summary>One requeue in <c>GET /issues/{id}/history</c>.</summary>
internal sealed record RequeueEntryResponse(int Round, string RequestedBy, DateTimeOffset RequeuedAt, string PreviousStatus, string? PreviousReason, int PreviousAttempts);
