namespace IssueCore.AspNetCore.Operator;

/// <summary>A page of <c>GET /blueprints/{id}/history</c>, newest first.</summary>
internal sealed record CommitListResponse(IReadOnlyList<CommitResponse> Items, string? NextPage);
