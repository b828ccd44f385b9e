using IssueCore.Security;

namespace IssueCore.Enhance;

/// <summary>
/// Options of the <see cref="EnhanceApplication"/> dispatcher, configured with
/// <c>services.Configure&lt;EnhanceApplicationOptions&gt;(…)</c> or <c>services.AddIssueCoreWorker(o => …)</c> and
/// validated at start (an invalid value fails the host's start with an <c>OptionsValidationException</c>).
/// </summary>
public sealed class EnhanceApplicationOptions
{
    /// <summary>
    /// How often an idle <see cref="EnhanceApplication.RunAsync"/> loop looks for claimable issues it was not told
    /// about: issues enqueued by other processes, and issues whose retry back-off ended. An issue enqueued with
    /// <see cref="EnhanceApplication.HandleAsync"/> in the same process wakes the loop at once. Default: 1 second.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many issues <see cref="EnhanceApplication.RunAsync"/> (the hosted worker) dispatches at once. Dispatches of
    /// one Blueprint series take turns within the process, so a single busy series gains nothing from more; issues
    /// of different series run side by side. Between 1 and 1024. Default: the processor count.
    /// </summary>
    public int MaxConcurrentDispatches { get; set; } = Environment.ProcessorCount;

    /// <summary>How long a claim's lease lasts; a dispatcher that dies loses the issue to another after this. Default: 5 minutes.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a running dispatch renews its lease; <see langword="null"/> is a third of <see cref="LeaseDuration"/>. Must be shorter than the lease.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>
    /// The longest one dispatch may spend outside its flow without finishing, so that a store call that never
    /// returns cannot hold an issue forever (the heartbeat would otherwise keep renewing its lease). The dispatch's
    /// deadline is <see cref="DispatchTimeout"/> from the claim; while the flow runs it is the setting's
    /// <see cref="EnhanceSetting.Ttl"/> plus <see cref="DispatchTimeout"/> (always longer than the TTL, which ends a
    /// stuck flow first); when the flow returns, and at each re-dispatch against a moved head, it is
    /// <see cref="DispatchTimeout"/> again. When the deadline passes, the dispatch is cancelled, the lease heartbeat
    /// stops and the issue is released as a fault (a back-off, the error kept on the issue); when even the release
    /// does not finish, the lease expires and another dispatcher claims the issue. Either way the next attempt
    /// finishes a commit or log entry this one made, so the issue is applied exactly once. Must be positive.
    /// Default: 2 minutes.
    /// </summary>
    public TimeSpan DispatchTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The retry budget: how many claims an issue may use. An infrastructure fault on the last attempt, or a claim
    /// beyond the budget (the process kept dying), dead-letters the issue as <c>Failed</c>. Default: 5.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The back-off after the first failed attempt; it doubles with each further attempt. Default: 1 second.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off. Default: 5 minutes.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many times one attempt re-dispatches against a new head after another dispatcher moved the target
    /// series' head first (the compare-and-swap lost). Beyond this the attempt is released with a back-off. Default: 32.
    /// </summary>
    public int MaxConflictRetries { get; set; } = 32;

    /// <summary>
    /// The lease owner name of this dispatcher; <see langword="null"/> generates a unique one per
    /// <see cref="EnhanceApplication"/> instance. Two running dispatchers must never share a name.
    /// </summary>
    public string? DispatcherId { get; set; }

    /// <summary>The operator id flow runs are launched as. Default: <c>issuecore-dispatcher</c>.</summary>
    public string OperatorId { get; set; } = "issuecore-dispatcher";

    /// <summary>The role flow runs are launched with; it must allow <c>launch</c>. Default: <see cref="Roles.Automate"/>.</summary>
    public string Role { get; set; } = Roles.Automate;

    /// <summary>The enhance setting read on every dispatch (hot reload). Default: <see cref="EnhanceSettingId.Default"/>.</summary>
    public EnhanceSettingId SettingId { get; set; } = EnhanceSettingId.Default;

    /// <summary>How many versions of the orbit series a semver range selector looks at, newest first. Default: 1000.</summary>
    public int SemverHistoryLimit { get; set; } = 1000;

    /// <summary>
    /// Whether <see cref="EnhanceApplication.ChangeFlowAsync"/> may change a flow series (the built-in
    /// <c>enhance-default</c> series or the orbit series of the setting). Ordinary issues can never change one; turn
    /// this on only in a host whose callers of <see cref="EnhanceApplication.ChangeFlowAsync"/> may decide how every
    /// later issue is judged. Default: <see langword="false"/>.
    /// </summary>
    public bool AllowFlowChanges { get; set; }

    /// <summary>
    /// How long an issue may wait for approval (when the setting requires it) before it ends <c>Rejected</c> with the
    /// reason <c>approval expired</c>. Expired approvals are found by the dispatch loop (at most once per
    /// <see cref="PollInterval"/>, <see cref="ApprovalExpiryBatch"/> at a time) or by
    /// <see cref="EnhanceApplication.ExpireApprovalsAsync"/>. Default: 7 days.
    /// </summary>
    public TimeSpan ApprovalTimeout { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many expired approvals one sweep ends at most (1 to 1000). Default: 16.</summary>
    public int ApprovalExpiryBatch { get; set; } = 16;

    /// <summary>
    /// Whether a dispatch's flow run is written to the council repository as it executes (<see langword="true"/>: the
    /// run when it starts, its events as the steps go, its end), or recorded in memory and written once, with the
    /// dispatch's outcome (<see langword="false"/>, the default): in the same transaction as the commit, the log entry
    /// and the issue's completion when the stores share a database, otherwise in one call just before them. A run that
    /// fails, or whose outcome cannot be written, is written on its own. The recorded run is the same either way; what
    /// differs is a crash mid-dispatch: eagerly, it leaves a run that a restarted host marks <c>Interrupted</c>; buffered,
    /// it leaves none. Either way the issue is dispatched again from the start with a new run (dispatch runs are never
    /// resumed). Eager recording costs about seven more write transactions per dispatch on SQLite and PostgreSQL.
    /// Default: <see langword="false"/>.
    /// </summary>
    public bool RecordRunsEagerly { get; set; }
}
