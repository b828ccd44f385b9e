using System.Diagnostics;
using IssueCore.Diagnostics;

namespace IssueCore.Flows;

/// <summary>The flow engine's spans, on the ActivitySource named <c>IssueCore</c>.</summary>
internal static class FlowTelemetry
{
    public const string SourceName = IssueCoreTelemetry.SourceName;

    public const string RunActivity = "issuecore.run";

    public const string StepActivity = "issuecore.step";

    public static ActivitySource Source => IssueCoreTelemetry.ActivitySource;
}
