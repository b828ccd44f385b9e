namespace IssueCore.AspNetCore.Operator;

/// <summary><c>GET /issues/{id}/history</c>: the issue's rounds, its requeues (oldest first) and its latest enhance log entry.</summary>
internal sealed record IssueHistoryResponse(string IssueId, string Status, int Round, int Attempts, IReadOnlyList<RequeueEntryResponse> Requeues, EnhanceLogEntryResponse? LatestEnhanceLog);
