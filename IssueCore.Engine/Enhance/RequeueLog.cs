using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance;

/// <summary>The log messages of operator requeues (event ids 6300–6309).</summary>
internal static partial class RequeueLog
{
    [LoggerMessage(EventId = 6300, Level = LogLevel.Information, Message = "Issue {IssueId} requeued by {RequestedBy}: round {Round} begins with a fresh retry budget (was {PreviousState})")]
    public static partial void Requeued(ILogger logger, string issueId, string requestedBy, int round, string previousState);

    [LoggerMessage(EventId = 6301, Level = LogLevel.Information, Message = "Requeue of issue {IssueId} by {RequestedBy} changed nothing: the issue is {State} (round {Round})")]
    public static partial void NotRequeued(ILogger logger, string issueId, string requestedBy, IssueCore.Issues.IssueState state, int round);
}
