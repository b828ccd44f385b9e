using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance.Governance;

/// <summary>Log messages of flow governance (event ids 3040–3099, listed in LOG_EVENTS.md).</summary>
internal static partial class GovernanceLog
{
    [LoggerMessage(EventId = 3040, Level = LogLevel.Error, Message = "Issue {IssueId}: the flow's output was refused and nothing was committed: {Reason}")]
    public static partial void Refused(ILogger logger, string issueId, string reason);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Warning, Message = "Issue {IssueId} targets the flow series {BlueprintId}; rejecting it without running the flow")]
    public static partial void FlowSeriesTarget(ILogger logger, string issueId, string blueprintId);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Warning, Message = "Flow series {BlueprintId} changed by the host from {PreviousVersion} to {NewVersion}: {Rationale}")]
    public static partial void FlowChanged(ILogger logger, string blueprintId, string previousVersion, string newVersion, string rationale);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Warning, Message = "A flow change of {BlueprintId} was refused: {Reason}")]
    public static partial void FlowChangeRefused(ILogger logger, string blueprintId, string reason);
}
