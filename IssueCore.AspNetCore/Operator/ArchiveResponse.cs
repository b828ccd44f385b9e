namespace IssueCore.AspNetCore.Operator;

/// <summary><c>POST /blueprints/{id}/archive</c> and <c>/unarchive</c>: the series' archived flag after the call.</summary>
internal sealed record ArchiveResponse(string BlueprintId, bool Archived);
