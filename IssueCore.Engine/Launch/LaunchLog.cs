using IssueCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace IssueCore.Launch;

/// <summary>
/// The launch service's log messages (event ids 2000–2099, listed in LOG_EVENTS.md). An expected fault logs one Warning
/// line naming it; its stack trace goes to <see cref="FaultDetail"/> at Debug.
/// </summary>
internal static partial class LaunchLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Run {RunId} of flow {FlowId} started")]
    public static partial void RunStarted(ILogger logger, string runId, string flowId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Run {RunId} completed")]
    public static partial void RunCompleted(ILogger logger, string runId);

    public static void RunFailed(ILogger logger, Exception exception, string runId, string node)
    {
        RunFailedLine(logger, runId, node, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 2003, runId);
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Run {RunId} failed at {Node}: {Fault}")]
    private static partial void RunFailedLine(ILogger logger, string runId, string node, string fault);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Run {RunId} was cancelled")]
    public static partial void RunCancelled(ILogger logger, string runId);

    public static void EventAppendFailed(ILogger logger, Exception exception, string kind, string runId)
    {
        EventAppendFailedLine(logger, kind, runId, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 2005, runId);
    }

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Could not append the {Kind} event of run {RunId}; the run goes on: {Fault}")]
    private static partial void EventAppendFailedLine(ILogger logger, string kind, string runId, string fault);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Marked {Count} abandoned runs as interrupted")]
    public static partial void InterruptedRunsMarked(ILogger logger, int count);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "Run {RunId} resumed from wave {Wave}")]
    public static partial void RunResumed(ILogger logger, string runId, int wave);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "Marking interrupted runs at start-up failed")]
    public static partial void MarkInterruptedFailed(ILogger logger, Exception exception);

    public static void HeartbeatFailed(ILogger logger, Exception exception, string runId)
    {
        HeartbeatFailedLine(logger, runId, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 2009, runId);
    }

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "Could not record that run {RunId} is alive; the run goes on: {Fault}")]
    private static partial void HeartbeatFailedLine(ILogger logger, string runId, string fault);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "The council repository cannot tell abandoned runs from live ones; every running run was marked interrupted, including other hosts' runs")]
    public static partial void MarkedEveryRunningRun(ILogger logger);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "Run {RunId} could not be recorded {Status}; a host starting after the abandoned-run timeout marks it interrupted")]
    public static partial void RunStatusUnrecorded(ILogger logger, Exception exception, string runId, string status);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Debug, Message = "Purged {Count} finished runs")]
    public static partial void RunsPurged(ILogger logger, int count);

    public static void PurgeFailed(ILogger logger, Exception exception)
    {
        PurgeFailedLine(logger, FaultText.OneLine(exception));
        FaultDetail(logger, exception, 2013, "run retention");
    }

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Purging finished runs failed; the next purge tries again: {Fault}")]
    private static partial void PurgeFailedLine(ILogger logger, string fault);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "The council repository cannot purge finished runs; run retention is off")]
    public static partial void PurgeNotSupported(ILogger logger);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Debug, Message = "The fault behind event {WarningEventId} ({Subject})")]
    public static partial void FaultDetail(ILogger logger, Exception exception, int warningEventId, string subject);
}
