namespace IssueCore.AspNetCore.Operator;

/// <summary>A page of <c>GET /runs</c>, newest first.</summary>
internal sealed record RunListResponse(IReadOnlyList<RunResponse> Items, string? NextPage);
