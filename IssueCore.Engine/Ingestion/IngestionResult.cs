using IssueCore.Issues;

namespace IssueCore.Ingestion;

/// <summary>What ingestion returns: a reference to the issue that holds the request.</summary>
public sealed record IngestionResult
{
    /// <summary>The issue's id (the first issue's id for a duplicate).</summary>
    public required IssueId IssueId { get; init; }

    /// <summary>A link to the issue, when <see cref="IssueIngestionOptions.IssueBaseUrl"/> is set.</summary>
    public string? IssueUrl { get; init; }

    /// <summary>The backend that holds the issue (<see cref="IssueIngestionOptions.Backend"/>).</summary>
    public required string Backend { get; init; }

    /// <summary><see langword="true"/> when this call created the issue; <see langword="false"/> for a duplicate.</summary>
    public required bool Created { get; init; }

    /// <summary>What was ignored in the request (unknown members, a malformed <c>traceparent</c>); empty when nothing was.</summary>
    public IReadOnlyList<IngestionWarning> Warnings { get; init; } = [];
}
