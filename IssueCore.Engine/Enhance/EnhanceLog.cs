using IssueCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance;

/// <summary>
/// The dispatcher's log messages (event ids 3000–3039, listed in LOG_EVENTS.md). An expected fault logs one Warning line
/// naming it; its stack trace goes to <see cref="FaultDetail"/> at Debug.
/// </summary>
internal static partial class EnhanceLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Issue {IssueId} enqueued for {BlueprintId} (created: {Created})")]
    public static partial void Enqueued(ILogger logger, string issueId, string blueprintId, bool created);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Issue {IssueId} applied to {BlueprintId} as {Version}")]
    public static partial void Applied(ILogger logger, string issueId, string blueprintId, string version);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Issue {IssueId} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, string issueId, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Issue {IssueId} failed (dead letter) after attempt {Attempt}: {Reason}")]
    public static partial void Failed(ILogger logger, string issueId, int attempt, string reason);

    public static void Retrying(ILogger logger, Exception exception, string issueId, int attempt, TimeSpan delay)
    {
        RetryingLine(logger, issueId, attempt, delay, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 3005, issueId);
    }

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Dispatch of issue {IssueId} (attempt {Attempt}) hit a fault; retrying after {Delay}: {Fault}")]
    private static partial void RetryingLine(ILogger logger, string issueId, int attempt, TimeSpan delay, string fault);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "The head of {BlueprintId} moved while issue {IssueId} was dispatched; re-dispatching against the new head ({Retry})")]
    public static partial void HeadMoved(ILogger logger, string blueprintId, string issueId, int retry);

    public static void LeaseLost(ILogger logger, Exception exception, string issueId)
    {
        LeaseLostLine(logger, issueId, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 3007, issueId);
    }

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Issue {IssueId}: the lease was lost to another dispatcher: {Fault}")]
    private static partial void LeaseLostLine(ILogger logger, string issueId, string fault);

    public static void HeartbeatFailed(ILogger logger, Exception exception, string issueId)
    {
        HeartbeatFailedLine(logger, issueId, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 3008, issueId);
    }

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Issue {IssueId}: renewing the lease failed: {Fault}")]
    private static partial void HeartbeatFailedLine(ILogger logger, string issueId, string fault);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Issue {IssueId}: an earlier attempt already recorded its outcome; finishing the bookkeeping only ({What})")]
    public static partial void Recovering(ILogger logger, string issueId, string what);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Error, Message = "A dispatch tick failed; the loop goes on")]
    public static partial void TickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Issue {IssueId}: the flow's commit decision is malformed at {Path}; dead-lettering it")]
    public static partial void CommitShape(ILogger logger, Exception exception, string issueId, string path);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Dispatcher {DispatcherId} started")]
    public static partial void LoopStarted(ILogger logger, string dispatcherId);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Dispatcher {DispatcherId} stopped")]
    public static partial void LoopStopped(ILogger logger, string dispatcherId);

    public static void ReleaseOnShutdownFailed(ILogger logger, Exception exception, string issueId)
    {
        ReleaseOnShutdownFailedLine(logger, issueId, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 3014, issueId);
    }

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "Issue {IssueId}: releasing it on shutdown failed; its lease will expire: {Fault}")]
    private static partial void ReleaseOnShutdownFailedLine(ILogger logger, string issueId, string fault);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "Issue {IssueId}: the dispatch passed its deadline ({Stretch} without finishing); its store calls were cancelled and the heartbeat stopped")]
    public static partial void DeadlinePassed(ILogger logger, string issueId, TimeSpan stretch);

    public static void ReleaseAfterDeadlineFailed(ILogger logger, Exception exception, string issueId)
    {
        ReleaseAfterDeadlineFailedLine(logger, issueId, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 3016, issueId);
    }

    [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "Issue {IssueId}: releasing it after the dispatch deadline failed; its lease will expire: {Fault}")]
    private static partial void ReleaseAfterDeadlineFailedLine(ILogger logger, string issueId, string fault);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "Issue {IssueId}: the Blueprint store recorded the change as {StoredVersion} (its history: {RecordedVersion}), not as the committer's {CommitterHash}; logging it as the history holds it")]
    public static partial void StoredVersionDiffers(ILogger logger, string issueId, string committerHash, string storedVersion, string recordedVersion);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Debug, Message = "The fault behind event {WarningEventId} ({Subject})")]
    public static partial void FaultDetail(ILogger logger, Exception exception, int warningEventId, string subject);

    public static void RunUnstored(ILogger logger, Exception exception, string issueId)
    {
        RunUnstoredLine(logger, issueId, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 6400, issueId);
    }

    [LoggerMessage(EventId = 6400, Level = LogLevel.Warning, Message = "Issue {IssueId}: the dispatch's flow run, recorded in memory, could not be written to the council repository; the dispatch goes on without it: {Fault}")]
    private static partial void RunUnstoredLine(ILogger logger, string issueId, string fault);

    public static void RunIdUnrecorded(ILogger logger, Exception exception, string issueId, string runId)
    {
        RunIdUnrecordedLine(logger, issueId, runId, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 6560, issueId);
    }

    [LoggerMessage(EventId = 6560, Level = LogLevel.Warning, Message = "Issue {IssueId}: its run {RunId} could not be recorded on it before its release; the issue keeps naming the run of an earlier dispatch: {Fault}")]
    private static partial void RunIdUnrecordedLine(ILogger logger, string issueId, string runId, string fault);
}
