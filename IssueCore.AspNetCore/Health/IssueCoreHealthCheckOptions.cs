namespace IssueCore.AspNetCore;

/// <summary>Thresholds of the IssueCore health checks (see <c>AddIssueCoreHealthChecks()</c>).</summary>
public sealed class IssueCoreHealthCheckOptions
{
    /// <summary>The oldest pending issue may wait this long before the queue check reports degraded. Defaults to 5 minutes.</summary>
    public TimeSpan PendingAgeThreshold { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A tick (a claim and its dispatch) still running after this long makes the worker check report unhealthy (stuck).
    /// Defaults to 15 minutes; set it above the dispatch timeout plus the setting's TTL.
    /// </summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// An idle worker that has not looked for work for this long is reported unhealthy (its loop died). Defaults to
    /// 1 minute; set it to a few poll intervals.
    /// </summary>
    public TimeSpan SilentAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether this host must run the dispatcher (<c>AddIssueCoreWorker()</c>): when <see langword="true"/> (the default), a
    /// worker that is not running is unhealthy; set <see langword="false"/> on a web node that only ingests.
    /// </summary>
    public bool RequireWorker { get; set; } = true;
}
