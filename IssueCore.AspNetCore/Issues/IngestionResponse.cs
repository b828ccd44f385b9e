namespace IssueCore.AspNetCore.Issues;

/// <summary>The body of <c>POST /issues/</c>: 201 when created, 200 for a duplicate.</summary>
internal sealed record IngestionResponse(string IssueId, string? IssueUrl, string Backend, bool Created);
