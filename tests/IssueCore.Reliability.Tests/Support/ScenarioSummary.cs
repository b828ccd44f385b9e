using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>Writes one summary line per scenario to the test output, to the runner's diagnostic messages, and to stdout and stderr, so CI logs show it.</summary>
internal static class ScenarioSummary
{
    public static string Write(ITestOutputHelper output, SummarySink sink, string scenario, InvariantReport report, Stopwatch elapsed, params (string Name, object Value)[] extra)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"[reliability] {scenario}: issues={report.Issues} applied={report.Applied} rejected={report.Rejected} failed={report.Failed}")
            + string.Concat(extra.Select(e => string.Create(CultureInfo.InvariantCulture, $" {e.Name}={e.Value}")))
            + string.Create(CultureInfo.InvariantCulture, $" lost={report.Lost} duplicated={report.Duplicated} elapsed={elapsed.Elapsed.TotalSeconds:F1}s");
        output.WriteLine(line);
        sink.Write(line);
        Console.Out.WriteLine(line);
        Console.Error.WriteLine(line);
        return line;
    }
}
