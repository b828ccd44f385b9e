namespace IssueCore.AspNetCore.Operator;

/// <summary>A page of <c>GET /blueprints</c>.</summary>
internal sealed record BlueprintListResponse(IReadOnlyList<BlueprintSummaryResponse> Items, string? NextPage);
