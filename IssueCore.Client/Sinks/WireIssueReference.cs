namespace IssueCore.Client;

/// <summary>The server's answer to a successful post.</summary>
internal sealed record WireIssueReference(string? IssueId, string? IssueUrl, string? Backend, bool? Created);
