using Microsoft.Extensions.Logging;

namespace IssueCore.Reliability.Dispatcher;

/// <summary>
/// Writes dispatch outcomes (the dispatcher's applied, rejected and dead-letter events) to stdout as
/// <c>outcome &lt;event&gt; &lt;message&gt;</c>, one line each, re-dispatches that recover an earlier attempt's commit or
/// log entry as <c>recovering &lt;message&gt;</c>, and warnings and errors to stderr.
/// </summary>
internal sealed class LineLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName);

    public void Dispose()
    {
    }
}
