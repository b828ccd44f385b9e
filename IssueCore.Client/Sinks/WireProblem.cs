namespace IssueCore.Client;

/// <summary>An RFC 9457 body as read back (every member optional).</summary>
internal sealed record WireProblem(string? Type, string? Title, int? Status, string? Detail, IReadOnlyList<WireProblemError>? Errors);
