using IssueCore.Security;

namespace IssueCore;

/// <summary>
/// The root options of IssueCore, configured with <c>services.AddIssueCore(o => …)</c> and validated at
/// start-up (a missing signing key fails the host's start with an <c>OptionsValidationException</c>).
/// </summary>
public sealed class IssueCoreOptions
{
    /// <summary>How long a flow run may take when the launch request gives no TTL. Default: 5 minutes.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a hosted service marks the runs abandoned in <c>Running</c> as <c>Interrupted</c> when the host starts, so
    /// they can be resumed: runs whose owner was a process of this machine that no longer exists (a crashed or killed
    /// host restarting on the same machine), and runs with no activity for <see cref="AbandonedRunTimeout"/>. Runs of
    /// live hosts sharing the council repository are left alone, so several hosts may share one. Hosts on different
    /// machines must have different machine names. Default: <see langword="true"/>.
    /// </summary>
    public bool MarkInterruptedRunsOnStart { get; set; } = true;

    /// <summary>
    /// How often a launcher records that a run it executes is alive (between appended events, graph updates and
    /// status changes, which count as activity too). <see cref="Timeout.InfiniteTimeSpan"/> turns the heartbeat off;
    /// a run then counts as abandoned once it has been silent for <see cref="AbandonedRunTimeout"/>. Default: 30 seconds.
    /// </summary>
    public TimeSpan RunHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a <c>Running</c> run may show no activity before a starting host takes it for abandoned, whichever host
    /// launched it. Must be more than twice <see cref="RunHeartbeatInterval"/> so a live run is never taken for one.
    /// Default: 2 minutes.
    /// </summary>
    public TimeSpan AbandonedRunTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The longest a launcher waits for the council repository to record how a run ended (its final ctx and status),
    /// also when the caller has already cancelled: a stalled store cannot hold a dispatch longer. A run whose end could not
    /// be recorded in time is left to the abandoned-run recovery. Default: 30 seconds.
    /// </summary>
    public TimeSpan RunRecordTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether each fan-out branch's completion is written as soon as the branch finishes (<see langword="true"/>, the
    /// default), or with the end of the fan-out's wave (<see langword="false"/>: the branches of a wave cost one write
    /// together). Either way nothing after the fan-out runs before its branches are recorded; the difference is a crash
    /// during the fan-out: with <see langword="false"/>, a resume runs again the branches that had finished. The enhance
    /// dispatch never resumes a run (a crashed dispatch is dispatched again with a new run), so a host that only
    /// dispatches issues loses nothing by turning it off and saves a write transaction per branch. Default:
    /// <see langword="true"/>.
    /// </summary>
    public bool RecordEachBranchCompletion { get; set; } = true;

    /// <summary>How long recorded runs of finished flows are kept, and how often older ones are purged.</summary>
    public RunRetentionOptions RunRetention { get; } = new();

    /// <summary>The role/verb policy and the capability-token signing key.</summary>
    public IssueCoreSecurityOptions Security { get; } = new();
}
