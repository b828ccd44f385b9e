using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Diagnostics;
using IssueCore.Enhance.Governance;
using IssueCore.Enhance.Spawning;
using IssueCore.Issues;
using IssueCore.Launch;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IssueCore.Enhance;

/// <summary>
/// The issue dispatcher. <see cref="HandleAsync"/> only enqueues; <see cref="TickAsync"/> claims one issue and
/// dispatches it through the enhance flow the setting selects; <see cref="RunAsync"/> drains the queue in bursts and
/// sleeps when idle. Register it with <c>services.AddIssueCore()</c> (and run it in a host with
/// <c>services.AddIssueCoreWorker()</c>).
/// </summary>
/// <remarks>
/// <para>One dispatch: read the setting (every time: hot reload) → resolve the orbit flow by its selector → read the
/// target head → launch the flow with <c>{issue, prev_bp, prev_hash, epoch, verifiers}</c> → read <c>$.commit</c>
/// strictly → when applied, write the new version with the previous head as parent and the issue id in the commit
/// metadata, and check the stored version is the committer's <c>new_hash</c> → append exactly one enhance log
/// entry → complete the issue.</para>
/// <para>Exactly once: before running the flow, the dispatcher looks for this issue's log entry and commit. An entry
/// means only the status is missing; a commit without an entry means only the entry is missing. Either way it
/// finishes that bookkeeping without running the flow again. The store refuses a second commit for the same issue,
/// and a second log entry, so two dispatchers racing on one issue cannot apply it twice.</para>
/// <para>The flow proposes, the host decides: an issue that targets a flow series (see
/// <see cref="ChangeFlowAsync"/>) is refused when enqueued and rejected at dispatch without running the flow. An
/// <c>applied</c> decision is committed only when the host, patching the head it read with the operations the flow
/// proposed (<c>$.proposal.ops</c>), gets exactly the reported <c>new_blueprint</c>, and its own
/// <c>verifier-router</c> recorded a pass of every configured axis on that change during the run. Otherwise the
/// output is refused: nothing is written, the issue is dead-lettered as <c>Failed</c> (<c>refused: …</c>) and the
/// outcome is <see cref="DispatchResult.Refused"/>. The log carries the verdicts the host recorded, never the ones the
/// flow reports.</para>
/// <para>Failure handling: a verifier's deny is a <c>Rejected</c> outcome (final). A malformed commit decision
/// (<see cref="CommitShapeException"/>) is dead-lettered at once as <c>Failed</c>: the flow broke its contract and
/// running it again gives the same answer. Any other error (storage, timeouts, a failing flow step, a setting or
/// flow that cannot be resolved) is treated as a fault: the issue is released with an exponential back-off and
/// dead-lettered when <see cref="EnhanceApplicationOptions.MaxAttempts"/> is used up, so a fixed setting (hot
/// reload) or a recovered store lets it through. When another dispatcher moved the target head first, the issue is
/// re-dispatched against the new head (up to <see cref="EnhanceApplicationOptions.MaxConflictRetries"/> times). A
/// fault on the last attempt dead-letters the issue only when it left nothing behind: a commit or log entry the
/// attempt already wrote is finished as above instead.</para>
/// <para>Applied always means a new commit: a decision that is <c>applied</c> but whose result is the head itself
/// (a patch that changes nothing, when the setting leaves out the <c>noop</c> axis) is logged as <c>Rejected</c> with
/// an <c>unchanged: …</c> reason, and nothing is written. When the Blueprint store records the change under another
/// version than the committer's <c>new_hash</c> (a store that normalises content), the commit exists, so the issue
/// is <c>Applied</c>: the log entry and the status name the version the store's history holds for the issue, and a
/// warning (event 3017) reports the difference.</para>
/// <para>Deadline: every dispatch runs under <see cref="EnhanceApplicationOptions.DispatchTimeout"/> (plus the
/// setting's TTL while the flow runs). A store call that never returns is cancelled at the deadline, the lease
/// heartbeat stops, and the issue is released as a fault; if the release cannot be made either, the lease expires
/// and another dispatcher claims the issue and finishes it exactly once.</para>
/// </remarks>
public sealed partial class EnhanceApplication : IDisposable
{
    private readonly IIssueStore _issues;
    private readonly IBlueprintStore _blueprints;
    private readonly IEnhanceSettingStore _settings;
    private readonly IEnhanceLogStore _log;
    private readonly TaskLaunchService _launcher;
    private readonly EnhanceApplicationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly OrbitFlowResolver _resolver;
    private readonly DispatchFinisher _finisher;
    private readonly Meter _meter;
    private readonly Counter<long> _applied;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _requeued;
    private readonly Histogram<double> _duration;
    private readonly ActivitySource _activitySource;
    private readonly VerifierHost _verifierHost;
    private readonly FlowSeriesGuard _flowSeries;
    private readonly FlowChanges _flowChanges;
    private readonly DispatchSignal _wake;
    private readonly SeriesGate _seriesTurns = new();
    private readonly PatchSpawnerSelector? _spawners;

    private static readonly IssueState[] IdleStates = [IssueState.Pending, IssueState.Running];

    // Completed (and replaced) whenever a dispatch of this instance ends, so WaitUntilIdleAsync looks again at once.
    private TaskCompletionSource _dispatchEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal EnhanceApplication(
        IIssueStore issues,
        IBlueprintStore blueprints,
        IEnhanceSettingStore settings,
        IEnhanceLogStore log,
        TaskLaunchService launcher,
        VerifierHost verifierHost,
        IOptions<EnhanceApplicationOptions> options,
        TimeProvider timeProvider,
        ILogger<EnhanceApplication> logger,
        IMeterFactory? meterFactory = null,
        DispatchSignal? wake = null,
        PatchSpawnerSelector? spawners = null)
    {
        _spawners = spawners;
        _issues = issues;
        _blueprints = blueprints;
        _settings = settings;
        _log = log;
        _launcher = launcher;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
        DispatcherId = _options.DispatcherId ?? GenerateDispatcherId();
        Activity = new DispatcherActivity(timeProvider);
        _resolver = new OrbitFlowResolver(blueprints, _options.SemverHistoryLimit);
        _finisher = new DispatchFinisher(issues, blueprints, log, launcher.Repository);
        _meter = meterFactory?.Create(IssueCoreTelemetry.SourceName) ?? new Meter(IssueCoreTelemetry.SourceName);
        _applied = _meter.CreateCounter<long>(IssueCoreTelemetry.IssuesApplied, "{issue}", "Issues committed as a new Blueprint version.");
        _rejected = _meter.CreateCounter<long>(IssueCoreTelemetry.IssuesRejected, "{issue}", "Issues a verifier denied.");
        _failed = _meter.CreateCounter<long>(IssueCoreTelemetry.IssuesFailed, "{issue}", "Issues dead-lettered.");
        _requeued = _meter.CreateCounter<long>(IssueCoreTelemetry.IssuesRequeued, "{issue}", "Failed or rejected issues an operator sent back to the queue.");
        _retries = _meter.CreateCounter<long>(IssueCoreTelemetry.DispatchRetries, "{retry}", "Dispatch retries (faults and moved heads).");
        _duration = _meter.CreateHistogram<double>(IssueCoreTelemetry.DispatchDuration, "s", "How long one dispatch took.");
        _activitySource = IssueCoreTelemetry.ActivitySource;
        _verifierHost = verifierHost;
        _flowSeries = new FlowSeriesGuard(settings, _options.SettingId);
        _flowChanges = new FlowChanges(blueprints, settings, verifierHost, _options, logger);
        _wake = wake ?? new DispatchSignal(Math.Max(1, _options.MaxConcurrentDispatches));
    }

    /// <summary>The lease owner name this dispatcher claims issues under.</summary>
    public string DispatcherId { get; }

    /// <summary>What the dispatch loop is doing (running, last poll, oldest tick in progress), for health checks.</summary>
    public DispatcherActivity Activity { get; }

    /// <summary>
    /// Enqueues an issue and returns at once; nothing is dispatched here. Idempotent: a draft with the id or
    /// idempotency key of an existing issue returns that issue (<see cref="IssueCreateResult.Created"/> is
    /// <see langword="false"/>) and creates nothing. The patch is not checked here: a malformed patch becomes a
    /// logged rejection, so every issue's fate is in the enhance log.
    /// </summary>
    /// <param name="draft">The issue to enqueue.</param>
    /// <param name="cancellationToken">Cancels the enqueue.</param>
    /// <returns>The stored issue and whether this call created it.</returns>
    /// <exception cref="ValidationException">
    /// The draft targets a flow series (the built-in <c>enhance-default</c> series or the orbit series of the setting);
    /// nothing is stored. Change a flow series with <see cref="ChangeFlowAsync"/>.
    /// </exception>
    public async Task<IssueCreateResult> HandleAsync(IssueDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (await _flowSeries.WhyProtectedAsync(draft.BlueprintId, cancellationToken).ConfigureAwait(false) is { } protectedSeries)
        {
            throw new ValidationException("$.blueprint_id", protectedSeries);
        }

        var result = await _issues.CreateAsync(draft, cancellationToken).ConfigureAwait(false);
        if (result.Created)
        {
            _wake.Notify();
        }

        EnhanceLog.Enqueued(_logger, result.Issue.Id.Value, result.Issue.BlueprintId.Value, result.Created);
        return result;
    }

    /// <summary>
    /// Sends a dead-lettered (<c>Failed</c>) or <c>Rejected</c> issue back to the queue with a fresh retry budget of
    /// <see cref="EnhanceApplicationOptions.MaxAttempts"/>, recorded in the issue's history (see
    /// <see cref="IIssueStore.ListRequeuesAsync"/>), and wakes the dispatchers. The issue begins a new round
    /// (<see cref="Issue.Round"/>): the earlier round's enhance log entry stays as it is, and the new round's outcome
    /// gets an entry of its own.
    /// </summary>
    /// <remarks>
    /// Idempotent and exactly once: an issue that is not failed or rejected is left unchanged and the result says
    /// <see cref="IssueRequeueResult.Requeued"/> <see langword="false"/>, so when two operators requeue one dead letter
    /// at the same moment, one call moves it and the issue is dispatched (and applied) once. Callers gate this with
    /// their own authorization; the HTTP operator API requires the operator role.
    /// </remarks>
    /// <param name="id">The issue.</param>
    /// <param name="requestedBy">Who asks: an operator name, recorded in the history and the log.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The issue as stored and whether this call requeued it.</returns>
    /// <exception cref="ArgumentException"><paramref name="requestedBy"/> is empty.</exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The issue already had <see cref="IssueRequeue.MaxRounds"/> rounds.</exception>
    /// <exception cref="NotSupportedException">The issue store cannot requeue.</exception>
    public async Task<IssueRequeueResult> RequeueAsync(IssueId id, string requestedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestedBy);
        var result = await _issues.RequeueAsync(id, requestedBy, cancellationToken).ConfigureAwait(false);
        if (result.Requeued)
        {
            _requeued.Add(1, new KeyValuePair<string, object?>(IssueCoreTelemetry.BlueprintIdTag, result.Issue.BlueprintId.Value));
            RequeueLog.Requeued(_logger, id.Value, requestedBy, result.Issue.Round, "failed or rejected");
            _wake.Notify();
        }
        else
        {
            RequeueLog.NotRequeued(_logger, id.Value, requestedBy, result.Issue.Status.State, result.Issue.Round);
        }

        return result;
    }

    /// <summary>
    /// Installs the built-in <c>enhance-default</c> flow and, when none is stored under
    /// <see cref="EnhanceApplicationOptions.SettingId"/>, a setting that dispatches through it with the four built-in
    /// axes. Idempotent: an existing series or setting is never changed. See <see cref="EnhanceDefaults.InstallAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the installation.</param>
    /// <returns>The setting in effect.</returns>
    public Task<EnhanceSetting> InstallDefaultFlowAsync(CancellationToken cancellationToken = default)
        => EnhanceDefaults.InstallAsync(_blueprints, _settings, _options.SettingId, cancellationToken);

    /// <summary>
    /// Changes a flow series: the built-in <c>enhance-default</c> series or the orbit series of the setting named by
    /// <see cref="EnhanceApplicationOptions.SettingId"/>, which ordinary issues may not target. This is a host-side call,
    /// reachable from no transport, and disabled unless the host opts in with
    /// <see cref="EnhanceApplicationOptions.AllowFlowChanges"/>. No flow runs: the host applies the patch to the head
    /// (bumping an unchanged <c>metadata.version_label</c> by <paramref name="bump"/>), checks the result on every axis
    /// of the setting by calling the registered verifier axes directly, and commits it with the head as parent and the
    /// origin <c>flow-change</c>. With a <c>Latest</c> selector the next dispatch uses the new version.
    /// </summary>
    /// <param name="flowSeries">The flow series to change.</param>
    /// <param name="patch">The RFC 6902 operations (a JSON array).</param>
    /// <param name="rationale">Why; stored in the commit.</param>
    /// <param name="bump">How to bump an unchanged semantic version label. Default: patch.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The new version of the flow series.</returns>
    /// <exception cref="AuthorizationException"><see cref="EnhanceApplicationOptions.AllowFlowChanges"/> is off.</exception>
    /// <exception cref="ValidationException">
    /// The series is not a flow series, the patch does not apply or changes nothing, or an axis denied the result (one
    /// error per denying axis, at <c>$.verifiers.&lt;axis&gt;</c>). Nothing is written.
    /// </exception>
    /// <exception cref="ConflictException">The head moved while the change was checked; nothing is written.</exception>
    public Task<BlueprintVersion> ChangeFlowAsync(BlueprintId flowSeries, JsonElement patch, string rationale, VersionBump bump = VersionBump.Patch, CancellationToken cancellationToken = default)
        => _flowChanges.ChangeAsync(flowSeries, patch, rationale, bump, cancellationToken);

    /// <summary>
    /// Runs the enhance flow on an issue without enqueueing it and without writing anything: the setting, the orbit
    /// flow and the target head are read as a dispatch reads them, the flow runs with the host's verifier axes, and
    /// the host reviews its decision as a dispatch would. The run and its events are kept in memory and returned; no
    /// issue, commit, log entry or run reaches the stores. Use it to check a patch before filing it.
    /// </summary>
    /// <param name="draft">The issue to try (its patch, intent and bump are what the flow sees).</param>
    /// <param name="cancellationToken">Cancels the trial.</param>
    /// <returns>The outcome a dispatch would reach now, with the verdicts and the Blueprint it would commit.</returns>
    /// <exception cref="ValidationException">The draft targets a flow series, or the flow cannot be resolved or bound.</exception>
    /// <exception cref="NotFoundException">The target Blueprint or the setting does not exist.</exception>
    /// <exception cref="Launch.FlowExecutionException">A step of the flow failed or the flow ran past its TTL.</exception>
    /// <exception cref="CommitShapeException">The flow's commit decision is malformed.</exception>
    public async Task<EnhanceTrial> TryAsync(IssueDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var setting = await _settings.GetAsync(_options.SettingId, cancellationToken).ConfigureAwait(false);
        if (FlowSeriesGuard.WhyProtected(draft.BlueprintId, setting, _options.SettingId) is { } protectedSeries)
        {
            throw new ValidationException("$.blueprint_id", protectedSeries);
        }

        var flow = await _resolver.ResolveAsync(setting, cancellationToken).ConfigureAwait(false);
        var head = (await _blueprints.ReadHeadAsync(draft.BlueprintId, cancellationToken).ConfigureAwait(false)).Value;
        var now = _time.GetUtcNow();
        var issue = new Issue
        {
            Id = draft.Id ?? IssueId.New(),
            BlueprintId = draft.BlueprintId,
            Intent = draft.Intent,
            Patch = draft.Patch,
            Rationale = draft.Rationale,
            Bump = draft.Bump,
            Title = draft.Title,
            Description = draft.Description,
            Priority = draft.Priority,
            Labels = draft.Labels,
            Status = IssueStatus.Running,
            Attempts = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var epoch = new BlueprintEpoch(issue.BlueprintId, head.Version, now);
        var runId = CouncilRunId.New();
        var scratch = new Trials.TrialCouncilRepository(_time);
        using var verdicts = _verifierHost.Open(runId, head);
        var launched = await _launcher.WithRepository(scratch).LaunchAsync(
            new LaunchRequest
            {
                Flow = flow,
                InitialContext = BuildContext(issue, head, epoch, setting.VerifierAxes),
                OperatorId = _options.OperatorId,
                Role = _options.Role,
                Ttl = setting.Ttl,
                Subject = "trial:" + issue.Id.Value,
                RunId = runId,
            },
            cancellationToken).ConfigureAwait(false);
        var decision = CommitDecisionReader.Read(launched.FinalContext, setting.VerifierAxes, verdicts.Blueprints);
        var review = FlowOutputReviewer.Review(decision, launched.FinalContext, head, setting.VerifierAxes, verdicts);
        var trial = new EnhanceTrial
        {
            BlueprintId = issue.BlueprintId,
            Head = head,
            Outcome = EnhanceOutcome.Rejected,
            Verdicts = review.Verdicts,
            Reasons = decision.Reasons,
            Rationale = decision.Rationale,
            Events = scratch.Events,
        };
        if (!decision.Applied)
        {
            return trial;
        }

        if (decision.NewHash == head.Version)
        {
            return trial with { Reasons = [$"unchanged: the result is the head itself ({head.Version.Short}); an applied issue must create a new version"] };
        }

        return review.Refusal is { } refusal
            ? trial with { Outcome = EnhanceOutcome.Failed, Refusal = refusal }
            : trial with { Outcome = EnhanceOutcome.Applied, NewBlueprint = decision.NewBlueprint };
    }

    /// <summary>
    /// Claims the next claimable issue and dispatches it. Dispatch errors are handled here (released for a retry or
    /// dead-lettered) and reported in the outcome.
    /// </summary>
    /// <param name="cancellationToken">Stops the dispatch; a claimed issue is released for another attempt at once.</param>
    /// <returns>
    /// What happened to the claimed issue, or <see langword="null"/> when nothing was claimable. A dispatch that runs
    /// past its deadline (<see cref="EnhanceApplicationOptions.DispatchTimeout"/>) returns
    /// <see cref="DispatchResult.Retrying"/> (or <see cref="DispatchResult.Failed"/> when that was the last attempt
    /// and nothing was recorded) with the deadline named in the reason.
    /// </returns>
    /// <exception cref="StorageException">Claiming failed, or releasing a faulted issue failed (its lease will expire and it is claimed again).</exception>
    public async Task<DispatchOutcome?> TickAsync(CancellationToken cancellationToken = default)
    {
        await SweepApprovalsWhenDueAsync(cancellationToken).ConfigureAwait(false);
        var issue = await _issues.ClaimNextBySeriesAsync(DispatcherId, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (issue is null)
        {
            return null;
        }

        var started = _time.GetTimestamp();
        using var activity = StartDispatchActivity(issue);
        activity?.SetTag(IssueCoreTelemetry.IssueIdTag, issue.Id.Value);
        activity?.SetTag(IssueCoreTelemetry.BlueprintIdTag, issue.BlueprintId.Value);
        activity?.SetTag("issuecore.attempt", issue.Attempts);
        DispatchOutcome outcome;
        var run = new DispatchRun();
        using (var deadline = new DispatchDeadline(_time, _options.DispatchTimeout))
        using (var leaseLost = new CancellationTokenSource())
        using (var dispatch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token, leaseLost.Token))
        {
            try
            {
                // The heartbeat stops with the deadline, so a dispatch stuck past it lets its lease expire; a renewal
                // that finds the lease gone (released, or claimed again) cancels the dispatch: it must not write.
                await using (new LeaseHeartbeat(this, IssueLease.Of(issue), leaseLost, deadline.Token))
                {
                    outcome = await UntilCancelledAsync(ProcessAsync(issue, run, deadline, dispatch.Token), dispatch.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (leaseLost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                outcome = Outcome(run.Carry(issue), DispatchResult.LeaseLost, "the lease was lost while dispatching: another dispatcher claimed the issue, or it was released");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await ReleaseOnShutdownAsync(run.Carry(issue), run).ConfigureAwait(false);
                activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
                throw;
            }
            catch (OperationCanceledException) when (deadline.Expired)
            {
                outcome = await ReleaseAfterDeadlineAsync(run.Carry(issue), deadline.Stretch, run).ConfigureAwait(false);
            }
        }

        var result = outcome.Result.ToString();
        activity?.SetTag(IssueCoreTelemetry.ResultTag, result);
        if (outcome.Result is DispatchResult.Failed or DispatchResult.Retrying or DispatchResult.Refused)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Reason);
        }

        _duration.Record(_time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(IssueCoreTelemetry.ResultTag, result));
        Interlocked.Exchange(ref _dispatchEnded, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return outcome;
    }

    /// <summary>
    /// Dispatches until <paramref name="cancellationToken"/> is cancelled, up to
    /// <see cref="EnhanceApplicationOptions.MaxConcurrentDispatches"/> issues at once (dispatches of one Blueprint
    /// series take turns): each loop claims issue after issue while there are any, then waits. An issue enqueued with
    /// <see cref="HandleAsync"/> on this instance wakes a waiting loop at once; so does one enqueued by another process
    /// when the issue store implements <see cref="IIssueEnqueueNotifications"/> (the PostgreSQL adapter does); other
    /// issues are found by polling every <see cref="EnhanceApplicationOptions.PollInterval"/> on the <see cref="TimeProvider"/>. A failing
    /// tick is logged and never ends the loop. Cancelling ends every wait at once; dispatches in flight release their
    /// issues for another attempt, and the call returns when they have.
    /// </summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that completes when the loop stops (never faulted by a dispatch error).</returns>
    public Task RunAsync(CancellationToken cancellationToken = default)
        => new EnhanceRunLoop(this, _wake, _options.MaxConcurrentDispatches, _options.PollInterval, _time, _logger, _issues as IIssueEnqueueNotifications).RunAsync(cancellationToken);

    /// <summary>
    /// Waits until the queue is idle: no issue in the store is <see cref="IssueState.Pending"/> (that includes one
    /// waiting for its retry back-off) or <see cref="IssueState.Running"/>, so every issue enqueued so far has reached
    /// <see cref="IssueState.Applied"/>, <see cref="IssueState.Rejected"/> or <see cref="IssueState.Failed"/>, or waits for a
    /// person (<see cref="IssueState.AwaitingApproval"/>: no dispatcher can move it on). Returns at
    /// once when the queue is already idle. It dispatches nothing itself: something must be dispatching (the hosted
    /// worker of <c>AddIssueCoreWorker()</c>, <see cref="RunAsync"/>, or calls to <see cref="TickAsync"/>), or it waits
    /// until <paramref name="cancellationToken"/> is cancelled. It looks at the store again as soon as a dispatch of this
    /// instance ends, and at least every <see cref="EnhanceApplicationOptions.PollInterval"/> (on the
    /// <see cref="TimeProvider"/>) for dispatchers in other processes.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait (bound it, for example with a timeout, when nothing may be dispatching).</param>
    /// <returns>A task that completes when the queue is idle.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async Task WaitUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        var poll = _options.PollInterval > TimeSpan.Zero && _options.PollInterval < TimeSpan.FromDays(1) ? _options.PollInterval : TimeSpan.FromSeconds(1);
        while (true)
        {
            // Taken before looking, so a dispatch that ends while the store is read is not missed.
            var dispatchEnded = Volatile.Read(ref _dispatchEnded).Task;
            if (await IsIdleAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await dispatchEnded.WaitAsync(poll, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Releases the meter this instance created.</summary>
    public void Dispose()
    {
        _meter.Dispose();
    }

    private async Task<bool> IsIdleAsync(CancellationToken cancellationToken)
    {
        foreach (var state in IdleStates)
        {
            var page = await _issues.ListAsync(new IssueQuery { State = state, Limit = 1 }, cancellationToken).ConfigureAwait(false);
            if (page.Items.Count > 0)
            {
                return false;
            }
        }

        return true;
    }

    private async Task<DispatchOutcome> ProcessAsync(Issue issue, DispatchRun run, DispatchDeadline deadline, CancellationToken cancellationToken)
    {
        try
        {
            // Exactly once: finish what an earlier attempt left undone before doing anything else.
            if (await FinishRecordedAsync(issue, cancellationToken).ConfigureAwait(false) is { } recovered)
            {
                return recovered;
            }

            // A decision on an approval is durable before it is carried out: finish it, never run the flow again. Only an
            // issue claimed more than once in its round can hold one, so a first dispatch reads nothing more.
            if (issue.RoundAttempts > 1 && await _issues.FindApprovalAsync(issue.Id, cancellationToken).ConfigureAwait(false) is { IsDecided: true } decided)
            {
                ApprovalLog.Resuming(_logger, issue.Id.Value, decided.Verdict!.Value);
                return await CarryOutAsync(issue, decided, cancellationToken).ConfigureAwait(false);
            }

            if (issue.RoundAttempts > _options.MaxAttempts)
            {
                var reason = string.Create(CultureInfo.InvariantCulture, $"retry budget of {_options.MaxAttempts} attempts exhausted (claimed {issue.RoundAttempts} times); last error: {issue.LastError ?? "(none recorded: the dispatching process stopped)"}");
                return await RecordAsync(issue, FailedEntry(issue, reason), recovered: false, cancellationToken).ConfigureAwait(false);
            }

            // Dispatches of one series in this process take turns: racing on its head would make all but one lose
            // the compare-and-swap and run the flow again. The wait counts from the turn, not from the claim.
            using (await _seriesTurns.EnterAsync(issue.BlueprintId, cancellationToken).ConfigureAwait(false))
            {
                deadline.Arm(_options.DispatchTimeout);
                return await DispatchAsync(issue, run, deadline, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ArchivedSeriesException ex)
        {
            // Archived between the check and the commit: the store refused the write, so nothing was committed.
            ArchiveLog.ArchivedBeforeCommit(_logger, issue.Id.Value, issue.BlueprintId.Value);
            issue = run.Carry(issue);
            return await RecordAsync(issue, ArchivedRejection(issue, null, ex.Message), recovered: false, cancellationToken, started: run).ConfigureAwait(false);
        }
        catch (CommitShapeException ex)
        {
            EnhanceLog.CommitShape(_logger, ex, issue.Id.Value, ex.Path);
            issue = run.Carry(issue);
            return await RecordAsync(issue, FailedEntry(issue, "commit shape: " + ex.Message), recovered: false, cancellationToken, started: run).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return await RetryOrFailAsync(run.Carry(issue), ex, cancellationToken, run).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Looks for an outcome an earlier attempt recorded: a log entry (only the status is missing) or a commit (only
    /// the entry is missing), and finishes that bookkeeping. <see langword="null"/> when neither exists.
    /// </summary>
    private async Task<DispatchOutcome?> FinishRecordedAsync(Issue issue, CancellationToken cancellationToken, DispatchRun? started = null)
    {
        // An entry of an earlier round is the outcome an operator requeued: it does not finish this round.
        var logged = await _log.FindAsync(issue.Id, cancellationToken).ConfigureAwait(false);
        if (logged is not null && logged.Round >= issue.Round)
        {
            EnhanceLog.Recovering(_logger, issue.Id.Value, "log entry found");
            return await CompleteAsync(issue, StatusOf(logged), recovered: true, cancellationToken, started).ConfigureAwait(false);
        }

        var committed = await _blueprints.FindCommitByIssueAsync(issue.BlueprintId, issue.Id, cancellationToken).ConfigureAwait(false);
        if (committed is not null)
        {
            EnhanceLog.Recovering(_logger, issue.Id.Value, "commit found");
            return await RecordAsync(issue, EntryFromCommit(issue, committed), recovered: true, cancellationToken, started: started).ConfigureAwait(false);
        }

        return null;
    }

    private async Task<DispatchOutcome> DispatchAsync(Issue issue, DispatchRun run, DispatchDeadline deadline, CancellationToken cancellationToken)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            if (conflicts > 0)
            {
                deadline.Arm(_options.DispatchTimeout);
            }

            var setting = await _settings.GetAsync(_options.SettingId, cancellationToken).ConfigureAwait(false);
            var flow = await _resolver.ResolveAsync(setting, cancellationToken).ConfigureAwait(false);
            Blueprint head;
            try
            {
                head = (await _blueprints.ReadHeadAsync(issue.BlueprintId, cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (NotFoundException)
            {
                // A missing series is not a fault that a retry can cure: dead-letter the issue at once, with the reason.
                var missing = $"series '{issue.BlueprintId.Value}' does not exist: create it (IBlueprintStore.WriteNewAsync with no parents) and submit the issue again";
                return await RecordAsync(issue, FailedEntry(issue, missing), recovered: false, cancellationToken).ConfigureAwait(false);
            }

            if (await _blueprints.IsArchivedAsync(issue.BlueprintId, cancellationToken).ConfigureAwait(false))
            {
                // Final at once: an archived series takes no writes, so running the flow (or retrying) cannot help.
                ArchiveLog.ArchivedSeriesTarget(_logger, issue.Id.Value, issue.BlueprintId.Value);
                return await RecordAsync(issue, ArchivedRejection(issue, head.Version, new ArchivedSeriesException(issue.BlueprintId).Message), recovered: false, cancellationToken).ConfigureAwait(false);
            }

            if (FlowSeriesGuard.WhyProtected(issue.BlueprintId, setting, _options.SettingId) is { } protectedSeries)
            {
                // Enqueued before the setting named this series (or past the check): the flow must not judge a change to itself.
                GovernanceLog.FlowSeriesTarget(_logger, issue.Id.Value, issue.BlueprintId.Value);
                return await RecordAsync(issue, FlowSeriesGuard.RejectionEntry(issue, head.Version, protectedSeries, _time.GetUtcNow()), recovered: false, cancellationToken).ConfigureAwait(false);
            }

            if (_spawners?.WhyNoSpawner(issue, flow, _options.SettingId) is { } noSpawner)
            {
                // Final at once: nothing could turn the intent into a patch, so running the flow (or retrying) cannot help.
                SpawnerLog.NoSpawnerAtDispatch(_logger, issue.Id.Value, issue.BlueprintId.Value, _options.SettingId.Value);
                return await RecordAsync(issue, PatchSpawnerSelector.RejectionEntry(issue, head.Version, noSpawner, _time.GetUtcNow()), recovered: false, cancellationToken).ConfigureAwait(false);
            }

            var epoch = new BlueprintEpoch(issue.BlueprintId, head.Version, _time.GetUtcNow());

            // The host records each axis's verdict under the run id it chose; the flow's own account does not count.
            var runId = CouncilRunId.New(_time.GetUtcNow());
            using var verdicts = _verifierHost.Open(runId, head);

            // The run is recorded in memory and written with the outcome, in its transaction where the stores allow
            // (a crashed dispatch is dispatched again with a new run, so nothing is lost that a resume would need).
            var buffer = _options.RecordRunsEagerly ? null : _launcher.BufferRun();
            if (buffer is null)
            {
                // Written as it runs, so the issue names it at once: it can be found (and resumed) from the issue.
                issue = await RecordRunAsync(issue, runId, cancellationToken).ConfigureAwait(false);
                run.Started(runId, recorded: true);
            }
            else
            {
                // Not in the council repository before the outcome anyway: the issue records the run id with the
                // outcome (the finalizer sets it with the completion), or on the path that parks or releases the issue.
                issue = issue with { RunId = runId };
                run.Started(runId, recorded: false);
            }
            // Its graph keeps the plan only: the final ctx is the initial one with the recorded step outputs applied.
            var launcher = buffer is null ? _launcher : _launcher.WithRepository(buffer, recordFinalContext: false);
            try
            {
                // The flow's TTL ends a stuck flow; the deadline only has to outlast it.
                deadline.Arm(setting.Ttl + _options.DispatchTimeout);
                var launched = await launcher.LaunchAsync(
                    new LaunchRequest
                    {
                        Flow = flow,
                        InitialContext = BuildContext(issue, head, epoch, setting.VerifierAxes),
                        OperatorId = _options.OperatorId,
                        Role = _options.Role,
                        Ttl = setting.Ttl,
                        Subject = CouncilRunSubjects.ForIssue(issue.Id),
                        RunId = runId,
                        HoldOpen = setting.RequireApproval,
                    },
                    cancellationToken).ConfigureAwait(false);
                deadline.Arm(_options.DispatchTimeout);
                var decision = await ReadDecisionAsync(launched, setting, runId, issue, buffer, verdicts.Blueprints, cancellationToken).ConfigureAwait(false);
                var review = FlowOutputReviewer.Review(decision, launched.FinalContext, head, setting.VerifierAxes, verdicts);
                decision = decision with { Verdicts = review.Verdicts };
                if (setting.RequireApproval)
                {
                    // The run was held open: it waits with the issue, or it is complete now whatever the host decides.
                    if (decision.Applied && decision.NewHash != head.Version && review.Refusal is null)
                    {
                        // A waiting run must outlive this dispatch: a recorded one is written now, still running.
                        if (buffer is not null)
                        {
                            await buffer.FlushAsync(cancellationToken).ConfigureAwait(false);
                        }

                        return await AwaitApprovalAsync(issue, head, epoch, decision, runId, run, cancellationToken).ConfigureAwait(false);
                    }

                    await MoveRunAsync(runId, issue.Id, CouncilRunStatus.Completed, buffer).ConfigureAwait(false);
                }

                if (decision.Applied && decision.NewHash == head.Version)
                {
                    // Applied means a new version. Writing the head's own content would write nothing (the store returns
                    // the head), leaving an "applied" issue with no commit of its own in the history.
                    var unchanged = decision with
                    {
                        Applied = false,
                        Reasons = [$"unchanged: the result is the head itself ({head.Version.Short}); an applied issue must create a new version"],
                    };
                    return await RecordAsync(issue, Entry(issue, head.Version, null, unchanged, EnhanceOutcome.Rejected), recovered: false, cancellationToken, run: buffer, started: run).ConfigureAwait(false);
                }

                if (!decision.Applied)
                {
                    return await RecordAsync(issue, Entry(issue, head.Version, null, decision, EnhanceOutcome.Rejected), recovered: false, cancellationToken, run: buffer, started: run).ConfigureAwait(false);
                }

                if (review.Refusal is { } refusal)
                {
                    return await RefuseAsync(issue, refusal, cancellationToken, run).ConfigureAwait(false);
                }

                try
                {
                    // The commit, the log entry and the completion, under the lease (one transaction where the stores
                    // share a database): a dispatcher that lost its lease writes none of them.
                    return await RecordAsync(
                        issue,
                        Entry(issue, head.Version, decision.NewHash, decision, EnhanceOutcome.Applied),
                        recovered: false,
                        cancellationToken,
                        new DispatchCommit(issue.BlueprintId, decision.NewBlueprint!, [head.Version], new CommitMetadata(decision.Rationale, epoch, decision.PatchHash, issue.Id, "issue")),
                        buffer,
                        run).ConfigureAwait(false);
                }
                catch (ConflictException conflict)
                {
                    // Did this issue commit already (a concurrent dispatcher that took over an expired lease)?
                    var existing = await _blueprints.FindCommitByIssueAsync(issue.BlueprintId, issue.Id, cancellationToken).ConfigureAwait(false);
                    if (existing is not null)
                    {
                        EnhanceLog.Recovering(_logger, issue.Id.Value, "commit found after a conflict");
                        return await RecordAsync(issue, EntryFromCommit(issue, existing), recovered: true, cancellationToken, run: buffer, started: run).ConfigureAwait(false);
                    }

                    var current = (await _blueprints.ReadHeadAsync(issue.BlueprintId, cancellationToken).ConfigureAwait(false)).Value.Version;
                    if (current == head.Version)
                    {
                        // The head did not move, so the store refused the content itself: it equals an older version.
                        var refused = decision with { Applied = false, Reasons = ["store: " + conflict.Message] };
                        return await RecordAsync(issue, Entry(issue, head.Version, null, refused, EnhanceOutcome.Rejected), recovered: false, cancellationToken, run: buffer, started: run).ConfigureAwait(false);
                    }

                    if (conflicts >= _options.MaxConflictRetries)
                    {
                        throw new ConflictException(
                            string.Create(CultureInfo.InvariantCulture, $"The head of '{issue.BlueprintId}' kept moving: {conflicts + 1} compare-and-swap attempts lost."),
                            expected: head.Version.Value,
                            actual: current.Value,
                            innerException: conflict);
                    }

                    _retries.Add(1, new KeyValuePair<string, object?>(IssueCoreTelemetry.RetryReasonTag, "head_moved"));
                    EnhanceLog.HeadMoved(_logger, issue.BlueprintId.Value, issue.Id.Value, conflicts + 1);
                }
            }
            finally
            {
                if (buffer is not null && !buffer.IsStored)
                {
                    // The run failed, or its outcome was not written: the run is written on its own.
                    await StoreRunAsync(buffer, issue).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Writes the commit (when given), appends the log entry and completes the issue to match it, under the lease. A
    /// lost lease ends in <see cref="DispatchResult.LeaseLost"/> with nothing written; an entry already there is
    /// adopted. Any other conflict (the head moved, the issue committed already) is thrown to the caller. The issue's
    /// run id is set to the entry's with the completion, so a buffered run's id needs no write of its own.
    /// </summary>
    private async Task<DispatchOutcome> RecordAsync(Issue issue, EnhanceLogEntry entry, bool recovered, CancellationToken cancellationToken, DispatchCommit? commit = null, BufferedCouncilRepository? run = null, DispatchRun? started = null)
    {
        entry = entry with { Round = issue.Round };
        entry = entry.RunId is null ? entry with { RunId = issue.RunId } : entry;
        var lease = IssueLease.Of(issue);
        DispatchFinalized done;
        try
        {
            done = await _finisher.FinishAsync(new DispatchFinalization { Lease = lease, Commit = commit, Entry = entry, Status = StatusOf(entry) }, run, cancellationToken).ConfigureAwait(false);
        }
        catch (ConflictException ex)
        {
            var stored = await _issues.FindAsync(issue.Id, cancellationToken).ConfigureAwait(false);
            if (stored is null || !lease.IsHeldOn(stored))
            {
                EnhanceLog.LeaseLost(_logger, ex, issue.Id.Value);
                return Outcome(issue, DispatchResult.LeaseLost, ex.Message, recovered: recovered);
            }

            if (await _log.FindAsync(issue.Id, cancellationToken).ConfigureAwait(false) is { } logged && logged.Round >= issue.Round)
            {
                // The first entry is the record; complete the issue as it says.
                return await CompleteAsync(issue, StatusOf(logged), recovered: true, cancellationToken, started).ConfigureAwait(false);
            }

            throw;
        }

        if (commit is not null && done.Entry.NewVersion != entry.NewVersion)
        {
            EnhanceLog.StoredVersionDiffers(_logger, issue.Id.Value, entry.NewVersion?.Value ?? string.Empty, done.Commit?.Value.Version.Value ?? string.Empty, done.Entry.NewVersion?.Value ?? string.Empty);
        }

        return Counted(issue, done.Issue.Status, recovered);
    }

    private async Task<DispatchOutcome> CompleteAsync(Issue issue, IssueStatus status, bool recovered, CancellationToken cancellationToken, DispatchRun? started = null)
    {
        try
        {
            await RecordStartedRunAsync(issue, started, cancellationToken).ConfigureAwait(false);
            await _issues.CompleteUnderLeaseAsync(IssueLease.Of(issue), status, cancellationToken).ConfigureAwait(false);
        }
        catch (ConflictException ex)
        {
            EnhanceLog.LeaseLost(_logger, ex, issue.Id.Value);
            return Outcome(issue, DispatchResult.LeaseLost, ex.Message, recovered: recovered);
        }

        return Counted(issue, status, recovered);
    }

    /// <summary>Counts and logs a completed issue, and describes it as an outcome.</summary>
    private DispatchOutcome Counted(Issue issue, IssueStatus status, bool recovered)
    {
        var tag = new KeyValuePair<string, object?>(IssueCoreTelemetry.BlueprintIdTag, issue.BlueprintId.Value);
        switch (status.State)
        {
            case IssueState.Applied:
                _applied.Add(1, tag);
                EnhanceLog.Applied(_logger, issue.Id.Value, issue.BlueprintId.Value, status.NewVersion!.Value.Value);
                return Outcome(issue, DispatchResult.Applied, null, status.NewVersion, recovered);
            case IssueState.Rejected:
                _rejected.Add(1, tag);
                EnhanceLog.Rejected(_logger, issue.Id.Value, status.Reason!);
                return Outcome(issue, DispatchResult.Rejected, status.Reason, recovered: recovered);
            default:
                _failed.Add(1, tag);
                EnhanceLog.Failed(_logger, issue.Id.Value, issue.Attempts, status.Reason!);
                return Outcome(issue, DispatchResult.Failed, status.Reason, recovered: recovered);
        }
    }

    /// <summary>
    /// The flow reported an applied decision the host does not stand behind: nothing is committed and the issue is
    /// dead-lettered with its log entry, since running the same flow again gives the same answer.
    /// </summary>
    private async Task<DispatchOutcome> RefuseAsync(Issue issue, string refusal, CancellationToken cancellationToken, DispatchRun? started = null)
    {
        GovernanceLog.Refused(_logger, issue.Id.Value, refusal);
        var outcome = await RecordAsync(issue, FailedEntry(issue, "refused: " + refusal), recovered: false, cancellationToken, started: started).ConfigureAwait(false);
        return outcome.Result == DispatchResult.Failed ? outcome with { Result = DispatchResult.Refused } : outcome;
    }

    private async Task<DispatchOutcome> RetryOrFailAsync(Issue issue, Exception fault, CancellationToken cancellationToken, DispatchRun? started = null)
    {
        var reason = $"{fault.GetType().Name}: {fault.Message}";
        if (issue.RoundAttempts >= _options.MaxAttempts)
        {
            // The fault may have struck after the commit or the log entry was written: a dead letter must not leave
            // a commit or an entry behind, so finish what is recorded instead. When even that lookup fails, release:
            // the next claim is beyond the budget and looks again before it dead-letters the issue.
            bool looked;
            DispatchOutcome? recorded = null;
            try
            {
                recorded = await FinishRecordedAsync(issue, cancellationToken, started).ConfigureAwait(false);
                looked = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not CommitShapeException)
            {
                looked = false;
            }

            if (recorded is not null)
            {
                return recorded;
            }

            if (looked)
            {
                return await RecordAsync(
                    issue,
                    FailedEntry(issue, string.Create(CultureInfo.InvariantCulture, $"gave up after {issue.RoundAttempts} attempts; last error: {reason}")),
                    recovered: false,
                    cancellationToken,
                    started: started).ConfigureAwait(false);
            }
        }

        var delay = BackOff(issue.RoundAttempts);
        EnhanceLog.Retrying(_logger, fault, issue.Id.Value, issue.RoundAttempts, delay);
        try
        {
            // A released issue names the run of the attempt that failed, as it did while that run ran.
            await RecordStartedRunBeforeReleaseAsync(issue, started, cancellationToken).ConfigureAwait(false);
            await _issues.ReleaseUnderLeaseAsync(IssueLease.Of(issue), _time.GetUtcNow() + delay, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (ConflictException ex)
        {
            EnhanceLog.LeaseLost(_logger, ex, issue.Id.Value);
            return Outcome(issue, DispatchResult.LeaseLost, ex.Message);
        }

        _retries.Add(1, new KeyValuePair<string, object?>(IssueCoreTelemetry.RetryReasonTag, "fault"));
        return Outcome(issue, DispatchResult.Retrying, reason);
    }

    private static readonly TimeSpan RunStoreTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Writes a dispatch's run that did not go with an outcome (the flow failed, the outcome's write failed or lost the
    /// lease): best effort and bounded, since the dispatch's own handling (a retry, a dead letter) does not depend on it.
    /// </summary>
    private async Task StoreRunAsync(BufferedCouncilRepository run, Issue issue)
    {
        try
        {
            using var timeout = new CancellationTokenSource(RunStoreTimeout, _time);
            await run.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // best effort: the run record is an account of the dispatch, not part of its outcome
        catch (Exception ex)
#pragma warning restore CA1031
        {
            EnhanceLog.RunUnstored(_logger, ex, issue.Id.Value);
        }
    }

    private static readonly TimeSpan ShutdownReleaseTimeout = TimeSpan.FromSeconds(5);

    private async Task ReleaseOnShutdownAsync(Issue issue, DispatchRun started)
    {
        try
        {
            // Bounded: a store that hangs must not keep a cancelled dispatcher from returning. If the
            // release does not finish in time the lease simply expires and another worker takes over. One timer ends
            // both the calls and the wait for them (see ReleaseAfterDeadlineAsync).
            using var timeout = new CancellationTokenSource(ShutdownReleaseTimeout, _time);
            await RecordStartedRunBeforeReleaseAsync(issue, started, timeout.Token)
                .WaitAsync(timeout.Token)
                .ConfigureAwait(false);
            await _issues.ReleaseUnderLeaseAsync(IssueLease.Of(issue), _time.GetUtcNow(), "the dispatcher stopped", timeout.Token)
                .WaitAsync(timeout.Token)
                .ConfigureAwait(false);
        }
#pragma warning disable CA1031 // best effort: the lease expires anyway
        catch (Exception ex)
#pragma warning restore CA1031
        {
            EnhanceLog.ReleaseOnShutdownFailed(_logger, ex, issue.Id.Value);
        }
    }

    /// <summary>
    /// The dispatch ran past its deadline: its store calls were cancelled and the heartbeat stopped. Release the issue
    /// as a fault (or dead-letter it on its last attempt), bounded in time; if that does not finish either, the lease
    /// expires and another dispatcher claims the issue.
    /// </summary>
    private async Task<DispatchOutcome> ReleaseAfterDeadlineAsync(Issue issue, TimeSpan stretch, DispatchRun started)
    {
        var fault = new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"the dispatch passed its deadline ({stretch} without finishing; EnhanceApplicationOptions.DispatchTimeout is {_options.DispatchTimeout}): a store call did not return"));
        EnhanceLog.DeadlinePassed(_logger, issue.Id.Value, stretch);
        try
        {
            // One timer bounds both the calls and the wait for them: its token cancels the calls as it ends the wait,
            // so a call the dispatcher stops waiting for is always cancelled. (With a second timer of the same length
            // for the wait, either could fire first; a wait that ended first disposed the source before its timer
            // fired, and a disposed source never cancels, which left the abandoned call hanging for good.)
            using var timeout = new CancellationTokenSource(ShutdownReleaseTimeout, _time);
            return await RetryOrFailAsync(issue, fault, timeout.Token, started)
                .WaitAsync(timeout.Token)
                .ConfigureAwait(false);
        }
#pragma warning disable CA1031 // best effort: the heartbeat has stopped, so the lease expires anyway
        catch (Exception ex)
#pragma warning restore CA1031
        {
            EnhanceLog.ReleaseAfterDeadlineFailed(_logger, ex, issue.Id.Value);
            _retries.Add(1, new KeyValuePair<string, object?>(IssueCoreTelemetry.RetryReasonTag, "fault"));
            return Outcome(issue, DispatchResult.Retrying, $"{fault.GetType().Name}: {fault.Message}; releasing the issue did not finish either, so it is claimable again when its lease expires");
        }
    }

    /// <summary>
    /// Awaits <paramref name="work"/> until <paramref name="cancellationToken"/> fires. A store call that ignores its
    /// token cannot hold the dispatch: the caller stops waiting, and whatever the abandoned work still does is
    /// guarded by the stores (one commit and one log entry per issue, completion only under this dispatcher's lease).
    /// </summary>
    private static async Task<DispatchOutcome> UntilCancelledAsync(Task<DispatchOutcome> work, CancellationToken cancellationToken)
    {
        try
        {
            return await work.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = work.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    private static string GenerateDispatcherId()
    {
        var suffix = string.Create(CultureInfo.InvariantCulture, $":{Environment.ProcessId}:{Guid.NewGuid():N}");
        var host = Environment.MachineName;
        return (host.Length + suffix.Length > 128 ? host[..(128 - suffix.Length)] : host) + suffix;
    }

    internal TimeSpan BackOff(int attempt)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.RetryBaseDelay.Ticks * factor, _options.RetryMaxDelay.Ticks));
        return delay > _options.RetryMaxDelay ? _options.RetryMaxDelay : delay;
    }

    private static IssueStatus StatusOf(EnhanceLogEntry entry) => entry.Outcome switch
    {
        EnhanceOutcome.Applied => IssueStatus.Applied(entry.NewVersion ?? throw new CommitShapeException("$.log.new_version", $"the applied log entry of issue '{entry.IssueId}' has no version")),
        EnhanceOutcome.Failed => IssueStatus.Failed(entry.Reasons.Count > 0 ? string.Join("; ", entry.Reasons) : entry.Rationale),
        _ => IssueStatus.Rejected(entry.Reasons.Count > 0 ? string.Join("; ", entry.Reasons) : entry.Rationale),
    };

    private EnhanceLogEntry Entry(Issue issue, BlueprintVersion previous, BlueprintVersion? next, CommitDecision decision, EnhanceOutcome outcome) => new()
    {
        IssueId = issue.Id,
        BlueprintId = issue.BlueprintId,
        PreviousVersion = previous,
        NewVersion = next,
        Intent = issue.Intent,
        Rationale = decision.Rationale,
        Verdicts = decision.Verdicts,
        Outcome = outcome,
        Reasons = outcome == EnhanceOutcome.Rejected ? decision.Reasons : [],
        Timestamp = _time.GetUtcNow(),
    };

    /// <summary>
    /// The entry of a dead letter: nothing was committed, and the reason says why the issue was given up. Written like
    /// every other outcome, so every issue's fate is in the log.
    /// </summary>
    private EnhanceLogEntry ArchivedRejection(Issue issue, BlueprintVersion? head, string why) => new()
    {
        IssueId = issue.Id,
        BlueprintId = issue.BlueprintId,
        PreviousVersion = head,
        Intent = issue.Intent,
        Rationale = issue.Rationale ?? issue.Intent,
        Outcome = EnhanceOutcome.Rejected,
        Reasons = ["archived: " + why],
        Timestamp = _time.GetUtcNow(),
    };

    private EnhanceLogEntry FailedEntry(Issue issue, string reason) => new()
    {
        IssueId = issue.Id,
        BlueprintId = issue.BlueprintId,
        Intent = issue.Intent,
        Rationale = string.Empty,
        Outcome = EnhanceOutcome.Failed,
        Reasons = [reason],
        Timestamp = _time.GetUtcNow(),
    };

    /// <summary>
    /// The entry for a commit an earlier attempt made but did not log. The verdicts are not recoverable (every axis
    /// passed, or there would be no commit), so the entry carries none.
    /// </summary>
    private EnhanceLogEntry EntryFromCommit(Issue issue, BlueprintCommit commit) => new()
    {
        IssueId = issue.Id,
        BlueprintId = issue.BlueprintId,
        PreviousVersion = commit.Parents.Count > 0 ? commit.Parents[0] : null,
        NewVersion = commit.Version,
        Intent = issue.Intent,
        Rationale = commit.Metadata.Rationale,
        Outcome = EnhanceOutcome.Applied,
        Timestamp = _time.GetUtcNow(),
    };

    private static DispatchOutcome Outcome(Issue issue, DispatchResult result, string? reason, BlueprintVersion? version = null, bool recovered = false) => new()
    {
        IssueId = issue.Id,
        BlueprintId = issue.BlueprintId,
        Result = result,
        NewVersion = version,
        Reason = reason,
        Attempt = issue.Attempts,
        Recovered = recovered,
        RunId = issue.RunId,
    };

    /// <summary>
    /// Starts the dispatch activity; when the issue was ingested with a W3C <c>traceparent</c>, the activity continues
    /// that trace (its parent is the ingestion request's span), so one trace spans ingestion and dispatch.
    /// </summary>
    private Activity? StartDispatchActivity(Issue issue)
        => issue.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent)
            ? _activitySource.StartActivity(IssueCoreTelemetry.DispatchActivity, ActivityKind.Internal, parent)
            : _activitySource.StartActivity(IssueCoreTelemetry.DispatchActivity, ActivityKind.Internal);

    /// <summary>
    /// Records the run on the issue under its lease, so the run can be found from the issue while it runs; the returned
    /// issue carries <see cref="Issue.RunId"/> into the log entry and the outcome. A lost lease surfaces here as a conflict.
    /// </summary>
    private async Task<Issue> RecordRunAsync(Issue issue, CouncilRunId runId, CancellationToken cancellationToken)
    {
        var stored = await _issues.RecordRunUnderLeaseAsync(IssueLease.Of(issue), runId, cancellationToken).ConfigureAwait(false);
        return issue with { RunId = runId, UpdatedAt = stored.UpdatedAt };
    }

    /// <summary>
    /// Records on the issue, under its lease, the run this dispatch started when the issue does not name it yet (a
    /// buffered run's id otherwise goes with the outcome's transaction): for the paths that end or park a dispatch
    /// without the finalizer. Nothing when no run started or it is recorded already. A lost lease is a conflict.
    /// </summary>
    private async Task RecordStartedRunAsync(Issue issue, DispatchRun? started, CancellationToken cancellationToken)
    {
        if (started?.Unrecorded is { } runId)
        {
            await _issues.RecordRunUnderLeaseAsync(IssueLease.Of(issue), runId, cancellationToken).ConfigureAwait(false);
            started.MarkRecorded(runId);
        }
    }

    /// <summary>
    /// <see cref="RecordStartedRunAsync"/> before a release, best effort: any fault, a lost lease included, is logged and
    /// the release goes on, so the release alone decides the outcome as it did before the run id was written here
    /// (a lost lease surfaces there as a conflict; a release that hangs ends in the deadline's retry).
    /// </summary>
    private async Task RecordStartedRunBeforeReleaseAsync(Issue issue, DispatchRun? started, CancellationToken cancellationToken)
    {
        try
        {
            await RecordStartedRunAsync(issue, started, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            EnhanceLog.RunIdUnrecorded(_logger, ex, issue.Id.Value, started?.Unrecorded?.Value ?? string.Empty);
        }
    }

    private static JsonObject BuildContext(Issue issue, Blueprint head, BlueprintEpoch epoch, IReadOnlyList<string> axes)
    {
        var issueNode = new JsonObject
        {
            ["id"] = issue.Id.Value,
            ["blueprint_id"] = issue.BlueprintId.Value,
            ["intent"] = issue.Intent,
            ["title"] = issue.Title,
            ["bump"] = issue.Bump switch { VersionBump.Major => "major", VersionBump.Minor => "minor", _ => "patch" },
            ["priority"] = issue.Priority.ToString().ToLowerInvariant(),
            ["labels"] = new JsonArray([.. issue.Labels.Select(l => (JsonNode?)JsonValue.Create(l))]),
            ["attempts"] = issue.Attempts,
        };
        if (issue.Patch is { } patch)
        {
            issueNode["patch"] = JsonNode.Parse(patch.GetRawText());
        }

        if (issue.Rationale is { } rationale)
        {
            issueNode["rationale"] = rationale;
        }

        if (issue.Description is { } description)
        {
            issueNode["description"] = description;
        }

        return new JsonObject
        {
            ["issue"] = issueNode,
            ["prev_bp"] = head.ToJsonObject(),
            ["prev_hash"] = head.Version.Value,
            ["epoch"] = new JsonObject
            {
                ["blueprint_id"] = epoch.BlueprintId.Value,
                ["start_version"] = epoch.StartVersion?.Value,
                ["started_at"] = epoch.StartedAt.ToString("O", CultureInfo.InvariantCulture),
            },
            ["verifiers"] = new JsonArray([.. axes.Select(a => (JsonNode?)JsonValue.Create(a))]),
        };
    }

    /// <summary>
    /// Renews the lease of the issue being dispatched until disposed. Stopping it throws nothing: disposing the timer
    /// ends the wait with <see langword="false"/>. A renewal that finds the lease gone cancels <c>leaseLost</c>. A
    /// renewal still in flight when the heartbeat stops (at the deadline, or at the dispatch's end) is cancelled, so a
    /// store that hangs is not left with a call nobody will ever cancel.
    /// </summary>
    private sealed class LeaseHeartbeat : IAsyncDisposable
    {
        private readonly PeriodicTimer _timer;
        private readonly CancellationTokenSource _stop;
        private readonly CancellationTokenRegistration _onDeadline;
        private readonly Task _loop;
        private readonly TimeProvider _time;

        public LeaseHeartbeat(EnhanceApplication owner, IssueLease lease, CancellationTokenSource leaseLost, CancellationToken deadline)
        {
            _time = owner._time;
            var interval = owner._options.HeartbeatInterval ?? owner._options.LeaseDuration / 3;
            _timer = new PeriodicTimer(interval, owner._time);
            _stop = CancellationTokenSource.CreateLinkedTokenSource(deadline);
            _onDeadline = deadline.Register(static t => ((PeriodicTimer)t!).Dispose(), _timer);
            _loop = RunAsync(owner, lease, _timer, leaseLost, _stop.Token);
        }

        public async ValueTask DisposeAsync()
        {
            _timer.Dispose();
            await _onDeadline.DisposeAsync().ConfigureAwait(false);
            if (!_loop.IsCompleted)
            {
                // A renewal is in flight: cancel it (its token is the only thing that can end a call to a store that
                // stopped answering), then wait for it, bounded, in case the store ignores its token.
                await _stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await _loop.WaitAsync(ShutdownReleaseTimeout, _time, CancellationToken.None).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }

            _stop.Dispose();
        }

        private static async Task RunAsync(EnhanceApplication owner, IssueLease lease, PeriodicTimer timer, CancellationTokenSource leaseLost, CancellationToken stop)
        {
            while (await timer.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false))
            {
                try
                {
                    await owner._issues.RenewUnderLeaseAsync(lease, owner._options.LeaseDuration, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is ConflictException or NotFoundException)
                {
                    // Released, completed or claimed again under a newer token: this dispatch must stop writing.
                    EnhanceLog.HeartbeatFailed(owner._logger, ex, lease.IssueId.Value);
                    try
                    {
                        await leaseLost.CancelAsync().ConfigureAwait(false);
                    }
                    catch (ObjectDisposedException)
                    {
                        // The dispatch already ended.
                    }

                    return;
                }
#pragma warning disable CA1031 // a failed renewal is logged; the next renewal or the finish finds out whether the lease is still held
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    EnhanceLog.HeartbeatFailed(owner._logger, ex, lease.IssueId.Value);
                }
            }
        }
    }

    /// <summary>
    /// The run one dispatch started (the latest, when the head moved and the flow ran again), and whether the issue
    /// records it yet. Read by the paths that end the dispatch, possibly while abandoned work still writes it, so its
    /// state is one immutable snapshot swapped atomically.
    /// </summary>
    private sealed class DispatchRun
    {
        private Snapshot? _state;

        /// <summary>The started run when the issue does not record it yet, else <see langword="null"/>.</summary>
        public CouncilRunId? Unrecorded => Volatile.Read(ref _state) is { Recorded: false } s ? s.Id : null;

        public void Started(CouncilRunId id, bool recorded) => Volatile.Write(ref _state, new Snapshot(id, recorded));

        public void MarkRecorded(CouncilRunId id)
        {
            if (Volatile.Read(ref _state) is { } s && s.Id == id)
            {
                Interlocked.CompareExchange(ref _state, s with { Recorded = true }, s);
            }
        }

        /// <summary>The issue naming the started run, as the outcome and the log entry report it.</summary>
        public Issue Carry(Issue issue) => Volatile.Read(ref _state) is { } s ? issue with { RunId = s.Id } : issue;

        private sealed record Snapshot(CouncilRunId Id, bool Recorded);
    }

    /// <summary>
    /// The deadline of one dispatch: cancels <see cref="Token"/> on the <see cref="TimeProvider"/> when the stretch
    /// it was last armed with (<see cref="Arm"/>) runs out.
    /// </summary>
    private sealed class DispatchDeadline : IDisposable
    {
        // The longest delay a timer accepts.
        private static readonly TimeSpan LongestDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

        private readonly CancellationTokenSource _expired;
        private long _stretchTicks;

        public DispatchDeadline(TimeProvider time, TimeSpan stretch)
        {
            _expired = new CancellationTokenSource(Clamp(stretch), time);
            _stretchTicks = stretch.Ticks;
        }

        public CancellationToken Token => _expired.Token;

        public bool Expired => _expired.IsCancellationRequested;

        /// <summary>The stretch that ran out (or is running).</summary>
        public TimeSpan Stretch => TimeSpan.FromTicks(Interlocked.Read(ref _stretchTicks));

        /// <summary>Moves the deadline to <paramref name="stretch"/> from now; nothing once it has passed.</summary>
        public void Arm(TimeSpan stretch)
        {
            if (_expired.IsCancellationRequested)
            {
                return;
            }

            Interlocked.Exchange(ref _stretchTicks, stretch.Ticks);
            _expired.CancelAfter(Clamp(stretch));
        }

        public void Dispose() => _expired.Dispose();

        private static TimeSpan Clamp(TimeSpan stretch)
            => stretch < TimeSpan.Zero ? TimeSpan.Zero : stretch > LongestDelay ? LongestDelay : stretch;
    }
}
