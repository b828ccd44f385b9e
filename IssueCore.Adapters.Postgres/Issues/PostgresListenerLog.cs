using Microsoft.Extensions.Logging;

namespace IssueCore.Adapters.Postgres;

/// <summary>The log messages of <see cref="PostgresIssueStore.WatchAsync"/> (event ids 6550–6559, listed in LOG_EVENTS.md).</summary>
internal static partial class PostgresListenerLog
{
    [LoggerMessage(EventId = 6550, Level = LogLevel.Debug, Message = "Listening for enqueues on channel {Channel} (backend {ProcessId}, after {Failures} failed attempts)")]
    public static partial void Listening(ILogger logger, string channel, int processId, int failures);

    [LoggerMessage(EventId = 6551, Level = LogLevel.Warning, Message = "Could not listen for enqueues on channel {Channel}; dispatchers poll until it listens again")]
    public static partial void ListenFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 6552, Level = LogLevel.Warning, Message = "The connection listening for enqueues on channel {Channel} was lost; dispatchers poll until it listens again")]
    public static partial void ConnectionLost(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 6553, Level = LogLevel.Information, Message = "Listening again for enqueues on channel {Channel} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string channel, long delayMs);

    [LoggerMessage(EventId = 6554, Level = LogLevel.Debug, Message = "Stopped listening for enqueues on channel {Channel}")]
    public static partial void Stopped(ILogger logger, string channel);
}
