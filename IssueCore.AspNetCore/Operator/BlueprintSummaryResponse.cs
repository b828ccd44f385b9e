namespace IssueCore.AspNetCore.Operator;

/// <summary>One series in <c>GET /blueprints</c>.</summary>
internal sealed record BlueprintSummaryResponse(string BlueprintId, string HeadVersion, string? VersionLabel, bool Archived, DateTimeOffset UpdatedAt);
