using IssueCore.Issues;

namespace IssueCore.Client;

/// <summary>What a sink returns: the reference to the issue that holds a request.</summary>
public sealed record IssueReference
{
    /// <summary>The issue id (<c>null-…</c> for a dry run).</summary>
    public required IssueId IssueId { get; init; }

    /// <summary>A link to the issue, when the server has one.</summary>
    public string? IssueUrl { get; init; }

    /// <summary>The backend that holds the issue (<c>null</c> for a dry run).</summary>
    public required string Backend { get; init; }

    /// <summary><see langword="false"/> when the server already had an issue for the same triggering event.</summary>
    public required bool Created { get; init; }
}
