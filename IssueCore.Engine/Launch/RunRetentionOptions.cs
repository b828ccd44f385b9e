namespace IssueCore;

/// <summary>
/// How long the council repository keeps the recorded runs (and their events) of flows that finished: completed, failed
/// or cancelled. A background service registered by <c>AddIssueCore</c> purges the rest every <see cref="PurgeInterval"/>.
/// Runs still running, interrupted or awaiting approval are never purged, and neither are issues, Blueprint history or
/// the enhance log: only run records. Bounded by default (the newest 1,000 finished runs, none older than 7 days).
/// </summary>
public sealed class RunRetentionOptions
{
    /// <summary>Whether finished runs are purged at all. Default: <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How many finished runs to keep, newest first; <see langword="null"/> keeps any number (then set <see cref="MaxAge"/>).
    /// Default: 1,000.
    /// </summary>
    public int? KeepLatest { get; set; } = 1_000;

    /// <summary>
    /// How long a finished run is kept after it last changed; <see langword="null"/> keeps runs of any age (then set
    /// <see cref="KeepLatest"/>). Default: 7 days.
    /// </summary>
    public TimeSpan? MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the background service purges. Default: 10 seconds.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Also purge as soon as this many flow runs have finished in this process since the last such purge, so a fast
    /// process keeps at most about <see cref="KeepLatest"/> plus this many finished runs between two intervals;
    /// <see langword="null"/> purges on the interval only. Default: 1,000.
    /// </summary>
    public int? PurgeAfterRuns { get; set; } = 1_000;

    /// <summary>The most runs one repository call deletes (a purge repeats calls until fewer are deleted). Default: 1,000.</summary>
    public int MaxRunsPerCall { get; set; } = 1_000;
}
