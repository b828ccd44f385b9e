namespace IssueCore.AspNetCore.Issues;

/// <summary>One part of an accepted ingestion request that was ignored: where, and why.</summary>
internal sealed record IngestionWarningResponse(string Path, string Message);
