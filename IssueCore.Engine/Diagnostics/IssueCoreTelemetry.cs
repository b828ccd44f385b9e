using System.Diagnostics;

namespace IssueCore.Diagnostics;

/// <summary>
/// The names IssueCore publishes telemetry under: one <see cref="System.Diagnostics.ActivitySource"/> and one
/// <see cref="System.Diagnostics.Metrics.Meter"/>, both named <see cref="SourceName"/>. Subscribe with, for example,
/// <c>tracing.AddSource(IssueCoreTelemetry.SourceName)</c> and <c>metrics.AddMeter(IssueCoreTelemetry.SourceName)</c>.
/// </summary>
public static class IssueCoreTelemetry
{
    /// <summary>The name of the activity source and of the meter: <c>IssueCore</c>.</summary>
    public const string SourceName = "IssueCore";

    /// <summary>The span around one claimed issue's dispatch: <c>issuecore.dispatch</c>.</summary>
    public const string DispatchActivity = "issuecore.dispatch";

    /// <summary>Counter: issues committed as a new Blueprint version.</summary>
    public const string IssuesApplied = "issuecore.issues.applied";

    /// <summary>Counter: issues a verifier denied.</summary>
    public const string IssuesRejected = "issuecore.issues.rejected";

    /// <summary>Counter: issues dead-lettered (retry budget exhausted, or a malformed commit decision).</summary>
    public const string IssuesFailed = "issuecore.issues.failed";

    /// <summary>Counter: failed or rejected issues an operator sent back to the queue.</summary>
    public const string IssuesRequeued = "issuecore.issues.requeued";

    /// <summary>Counter: dispatch retries (an issue released for a later attempt, or re-dispatched after the target head moved).</summary>
    public const string DispatchRetries = "issuecore.dispatch.retries";

    /// <summary>Histogram: how long one dispatch took, in seconds.</summary>
    public const string DispatchDuration = "issuecore.dispatch.duration";

    /// <summary>Tag on the dispatch span and metrics: the issue id.</summary>
    public const string IssueIdTag = "issuecore.issue_id";

    /// <summary>Tag on the dispatch span and metrics: the target Blueprint id.</summary>
    public const string BlueprintIdTag = "issuecore.blueprint_id";

    /// <summary>Tag on the dispatch span and the duration histogram: the dispatch result (see <c>DispatchResult</c>).</summary>
    public const string ResultTag = "issuecore.result";

    /// <summary>Tag on the retries counter: why the dispatch is retried (<c>fault</c> or <c>head_moved</c>).</summary>
    public const string RetryReasonTag = "issuecore.retry_reason";

    /// <summary>The one activity source every IssueCore span starts on (flow runs, steps, dispatches).</summary>
    internal static ActivitySource ActivitySource { get; } = new(SourceName);
}
