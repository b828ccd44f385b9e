using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance.Governance;

/// <summary>Log messages of archived series (event ids 6500–6519, listed in LOG_EVENTS.md).</summary>
internal static partial class ArchiveLog
{
    [LoggerMessage(EventId = 6500, Level = LogLevel.Warning, Message = "Issue {IssueId} targets the archived series {BlueprintId}; rejecting it without running the flow")]
    public static partial void ArchivedSeriesTarget(ILogger logger, string issueId, string blueprintId);

    [LoggerMessage(EventId = 6501, Level = LogLevel.Warning, Message = "Issue {IssueId}: series {BlueprintId} was archived before its commit; rejecting it and committing nothing")]
    public static partial void ArchivedBeforeCommit(ILogger logger, string issueId, string blueprintId);
}
