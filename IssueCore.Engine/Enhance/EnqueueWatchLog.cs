using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance;

/// <summary>The log messages of the dispatch loops' watch on the issue store's enqueue notifications (event ids 6540–6549, listed in LOG_EVENTS.md).</summary>
internal static partial class EnqueueWatchLog
{
    [LoggerMessage(EventId = 6540, Level = LogLevel.Debug, Message = "Dispatcher {DispatcherId} watches the issue store's enqueue notifications")]
    public static partial void WatchStarted(ILogger logger, string dispatcherId);

    [LoggerMessage(EventId = 6541, Level = LogLevel.Warning, Message = "Dispatcher {DispatcherId}: the issue store's enqueue notifications failed; issues enqueued elsewhere are found by polling only")]
    public static partial void WatchFailed(ILogger logger, string dispatcherId, Exception exception);
}
