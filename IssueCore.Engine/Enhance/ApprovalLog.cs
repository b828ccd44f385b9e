using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance;

/// <summary>The log messages of the approval gate (event ids 6460–6479).</summary>
internal static partial class ApprovalLog
{
    [LoggerMessage(EventId = 6460, Level = LogLevel.Information, Message = "Issue {IssueId} awaits approval: {BlueprintId} {PreviousVersion} -> {NewVersion}, until {ExpiresAt}")]
    public static partial void Awaiting(ILogger logger, string issueId, string blueprintId, string previousVersion, string newVersion, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 6461, Level = LogLevel.Information, Message = "Issue {IssueId}: approval decided {Verdict} by {DecidedBy}")]
    public static partial void Decided(ILogger logger, string issueId, IssueCore.Issues.ApprovalVerdict verdict, string decidedBy);

    [LoggerMessage(EventId = 6462, Level = LogLevel.Information, Message = "The {Verdict} decision of {DecidedBy} on issue {IssueId} changed nothing: the issue is {State}")]
    public static partial void NotDecided(ILogger logger, string issueId, IssueCore.Issues.ApprovalVerdict verdict, string decidedBy, IssueCore.Issues.IssueState state);

    [LoggerMessage(EventId = 6463, Level = LogLevel.Warning, Message = "Approved issue {IssueId} was not committed: the head of {BlueprintId} moved from {ApprovedVersion} to {HeadVersion} while it waited")]
    public static partial void HeadMoved(ILogger logger, string issueId, string blueprintId, string approvedVersion, string headVersion);

    [LoggerMessage(EventId = 6464, Level = LogLevel.Warning, Message = "Could not move run {RunId} of issue {IssueId} to {Status}")]
    public static partial void RunStatusFailed(ILogger logger, Exception exception, string runId, string issueId, IssueCore.Council.CouncilRunStatus status);

    [LoggerMessage(EventId = 6465, Level = LogLevel.Warning, Message = "The sweep of expired approvals failed; the next one tries again")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6466, Level = LogLevel.Information, Message = "Finishing the {Verdict} decision on issue {IssueId} that an earlier dispatcher recorded")]
    public static partial void Resuming(ILogger logger, string issueId, IssueCore.Issues.ApprovalVerdict verdict);
}
