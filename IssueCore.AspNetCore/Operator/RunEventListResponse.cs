namespace IssueCore.AspNetCore.Operator;

/// <summary>A page of <c>GET /runs/{id}/events</c>, in sequence order.</summary>
internal sealed record RunEventListResponse(IReadOnlyList<RunEventResponse> Items, string? NextPage);
