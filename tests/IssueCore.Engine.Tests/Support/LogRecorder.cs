using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IssueCore.Engine.Tests.Support;

/// <summary>A logger provider that keeps every entry at every level, for asserting what was logged and how.</summary>
internal sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<LogRecord> _entries = new();

    public IReadOnlyList<LogRecord> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Recorder(_entries);

    public void Dispose()
    {
    }

    private sealed class Recorder(ConcurrentQueue<LogRecord> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => entries.Enqueue(new LogRecord(logLevel, eventId.Id, formatter(state, exception), exception));
    }
}

/// <summary>One recorded log entry.</summary>
internal sealed record LogRecord(LogLevel Level, int EventId, string Message, Exception? Exception);
