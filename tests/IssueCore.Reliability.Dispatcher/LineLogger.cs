using Microsoft.Extensions.Logging;

namespace IssueCore.Reliability.Dispatcher;

/// <summary>One category's logger for <see cref="LineLoggerProvider"/>.</summary>
internal sealed class LineLogger(string category) : ILogger
{
    // The dispatcher's stable event ids: 3002 applied, 3003 rejected, 3004 failed (dead letter), 3009 recovering (a
    // re-dispatch found the commit or log entry an earlier attempt made and only finishes the bookkeeping).
    private const int AppliedEvent = 3002;
    private const int FailedEvent = 3004;
    private const int RecoveringEvent = 3009;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var message = formatter(state, exception).ReplaceLineEndings(" ");
        if (eventId.Id is >= AppliedEvent and <= FailedEvent && category.StartsWith("IssueCore", StringComparison.Ordinal))
        {
            Console.Out.WriteLine($"outcome {eventId.Name} {Truncate(message)}");
        }
        else if (eventId.Id == RecoveringEvent && category.StartsWith("IssueCore", StringComparison.Ordinal))
        {
            Console.Out.WriteLine($"recovering {Truncate(message)}");
        }
        else if (logLevel >= LogLevel.Warning)
        {
            Console.Error.WriteLine($"{logLevel} {category} {eventId.Id} {Truncate(message)} {Truncate(exception?.GetType().Name + ": " + exception?.Message)}");
        }
    }

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
