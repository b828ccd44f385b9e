namespace IssueCore.Client;

/// <summary>One entry of a problem's <c>errors</c> extension.</summary>
internal sealed record WireProblemError(string? Path, string? Message);
