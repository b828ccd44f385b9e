namespace IssueCore.AspNetCore.Operator;

/// <summary>A page of <c>GET /enhance-log</c> or <c>GET /blueprints/{id}/enhance-log</c>, oldest first.</summary>
internal sealed record EnhanceLogListResponse(IReadOnlyList<EnhanceLogEntryResponse> Items, string? NextPage);
