namespace IssueCore.AspNetCore.Operator;

/// <summary>One commit of a series: in <c>GET /blueprints/{id}/history</c> and the ends of a diff.</summary>
internal sealed record CommitResponse(string Version, IReadOnlyList<string> Parents, string Rationale, string? IssueId, string Origin, string? PatchHash, DateTimeOffset CommittedAt);
