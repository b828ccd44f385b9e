using Xunit.Abstractions;
using Xunit.Sdk;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>
/// Carries summary lines to the runner as diagnostic messages (enabled in xunit.runner.json), which
/// <c>dotnet test</c> prints even at its default verbosity, where captured test output of passing tests is hidden.
/// </summary>
public sealed class SummarySink(IMessageSink diagnostics)
{
    public void Write(string line) => diagnostics.OnMessage(new DiagnosticMessage(line));
}
