using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Council;
using IssueCore.Flows;
using IssueCore.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IssueCore.Launch;

/// <summary>
/// Launches flow runs in three stages: <b>resolve</b> (validate the Blueprint, bind its agents; nothing is
/// recorded when this fails), <b>execute</b> (run the flow under its TTL) and <b>record</b> (the run, one event per
/// step start, completion (with the step's output) and failure and per finished wave, the plan once, the final ctx
/// once, and the final status).
/// Every operation is gated by the role/verb policy; operations on an existing run need the run's <see cref="CapToken"/>.
/// </summary>
/// <remarks>
/// Resume and rewind replay the steps recorded as done (their outputs come from the recorded events, their agents
/// are not called again) and run the rest. Flows are expected to be deterministic given their agents' outputs.
/// A resumed or rewound run gets a fresh TTL (the original length) and a new token.
/// </remarks>
public sealed class TaskLaunchService
{
    private const string TimeoutKind = "timeout";

    private readonly AgentBinder _binder;
    private readonly RoleVerbGate _gate;
    private readonly ICouncilRepository _repository;
    private readonly TimeProvider _time;
    private readonly IOptions<IssueCoreOptions> _options;
    private readonly ILogger<TaskLaunchService> _logger;
    private readonly ConcurrentDictionary<CouncilRunId, CancellationTokenSource> _inFlight;
    private readonly RunOwner _owner;
    private readonly RunRetentionTrigger _retention;
    private readonly bool _recordFinalContext;

    internal TaskLaunchService(AgentBinder binder, RoleVerbGate gate, ICouncilRepository repository, TimeProvider time, IOptions<IssueCoreOptions> options, ILogger<TaskLaunchService> logger, RunRetentionTrigger retention)
        : this(binder, gate, repository, time, options, logger, recordFinalContext: true, RunOwner.Current(), new ConcurrentDictionary<CouncilRunId, CancellationTokenSource>(), retention)
    {
    }

    private TaskLaunchService(
        AgentBinder binder,
        RoleVerbGate gate,
        ICouncilRepository repository,
        TimeProvider time,
        IOptions<IssueCoreOptions> options,
        ILogger<TaskLaunchService> logger,
        bool recordFinalContext,
        RunOwner owner,
        ConcurrentDictionary<CouncilRunId, CancellationTokenSource> inFlight,
        RunRetentionTrigger retention)
    {
        _recordFinalContext = recordFinalContext;
        _owner = owner;
        _inFlight = inFlight;
        _retention = retention;
        _binder = binder;
        _gate = gate;
        _repository = repository;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// A launcher over the same agents, gate and options that records its runs in <paramref name="repository"/> instead;
    /// with <paramref name="recordFinalContext"/> <see langword="false"/> a completed run's graph keeps only the plan
    /// (its final ctx is rebuilt from the recorded step outputs when read).
    /// </summary>
    /// <remarks>
    /// The copy shares this launcher's owner (read from the OS once per process) and its runs in flight, so
    /// <see cref="CancelAsync"/> on either cancels a run launched by the other.
    /// </remarks>
    internal TaskLaunchService WithRepository(ICouncilRepository repository, bool recordFinalContext = true)
        => new(_binder, _gate, repository, _time, _options, _logger, recordFinalContext, _owner, _inFlight, _retention);

    /// <summary>The repository this launcher records its runs in.</summary>
    internal ICouncilRepository Repository => _repository;

    /// <summary>A buffer that records one run in memory for this launcher's repository (launch it with <see cref="WithRepository"/>).</summary>
    internal BufferedCouncilRepository BufferRun() => new(_repository, _time);

    /// <summary>Validates, runs and records a flow, and returns its final ctx with a capability token for the run.</summary>
    /// <exception cref="AuthorizationException">The role may not launch.</exception>
    /// <exception cref="ValidationException">The Blueprint is invalid or an agent cannot be bound (nothing ran, nothing was recorded).</exception>
    /// <exception cref="FlowExecutionException">A step failed or the TTL expired; the run is recorded <c>Failed</c>.</exception>
    /// <exception cref="OperationCanceledException">The caller or <see cref="CancelAsync"/> cancelled the run; it is recorded <c>Cancelled</c>.</exception>
    public async Task<LaunchResult> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.OperatorId);
        ArgumentException.ThrowIfNullOrEmpty(request.Role);
        ArgumentNullException.ThrowIfNull(request.InitialContext);
        _gate.EnsureRoleAllows(request.Role, Verbs.Launch);
        var ttl = request.Ttl ?? _options.Value.DefaultTtl;
        if (ttl <= TimeSpan.Zero)
        {
            throw new ValidationException("$.ttl", "The TTL must be positive.");
        }

        // Resolve.
        var (plan, agents) = _binder.Resolve(request.Flow);

        // Record the start: the run and its graph (the plan) in one write.
        var runId = request.RunId ?? CouncilRunId.New(_time.GetUtcNow());
        var now = _time.GetUtcNow();
        var graph = RunGraph.Create(plan, request.InitialContext, request.OperatorId, request.Role, ttl);
        using (var plan0 = graph.ToDocument())
        {
            await _repository.CreateRunAsync(
                new CouncilRun
                {
                    Id = runId,
                    FlowId = request.Flow.Id ?? "anonymous",
                    FlowVersion = request.Flow.Version.ToString(),
                    Subject = request.Subject,
                    Status = CouncilRunStatus.Running,
                    Graph = plan0.RootElement,
                    CreatedAt = now,
                    UpdatedAt = now,
                    Owner = _owner.Id,
                },
                cancellationToken).ConfigureAwait(false);
        }

        var recorder = new RunRecorder(_repository, _logger, runId, graph, RecordedRun.Empty(), _options.Value.RecordEachBranchCompletion, _recordFinalContext)
        {
            EndStatus = request.HoldOpen ? CouncilRunStatus.Running : CouncilRunStatus.Completed,
        };

        LaunchLog.RunStarted(_logger, runId.Value, request.Flow.Id ?? "anonymous");

        // Execute and record.
        return await ExecuteAsync(runId, plan, agents, recorder, graph.InitialContext, ttl, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Returns a run's ctx: the final one when it completed, otherwise the one at the end of its last finished wave,
    /// rebuilt from the initial ctx and the step outputs the run recorded (no agent is called).
    /// </summary>
    /// <exception cref="AuthorizationException">The token is not valid for <c>read_ctx</c> on this run.</exception>
    /// <exception cref="NotFoundException">No such run.</exception>
    public async Task<JsonObject> ReadContextAsync(CouncilRunId runId, CapToken token, CancellationToken cancellationToken = default)
    {
        _gate.Verify(token, runId, Verbs.ReadContext);
        var (_, graph) = await LoadAsync(runId, cancellationToken).ConfigureAwait(false);
        if (graph.FinalContext is { } final)
        {
            return final;
        }

        var recorded = await RecordedRun.LoadAsync(_repository, runId, graph, cancellationToken).ConfigureAwait(false);
        FlowPlan plan;
        try
        {
            // Parsed, not bound: the agents are not called, so they need not be registered here.
            plan = FlowValidator.Parse(graph.Blueprint, _binder.HostAgentNames);
        }
        catch (ValidationException)
        {
            return graph.InitialContext;
        }

        return await ContextReplay.RunAsync(plan, graph.InitialContext, recorded, runId).ConfigureAwait(false);
    }

    /// <summary>
    /// Attaches to a run: streams the events it has recorded so far, in sequence order (step starts, completions and
    /// failures, wave snapshots). The token is checked before anything is read.
    /// </summary>
    /// <exception cref="AuthorizationException">The token is not valid for <c>attach</c> on this run.</exception>
    /// <exception cref="NotFoundException">No such run.</exception>
    public async Task<IAsyncEnumerable<CouncilRunEvent>> AttachAsync(CouncilRunId runId, CapToken token, CancellationToken cancellationToken = default)
    {
        _gate.Verify(token, runId, Verbs.Attach);
        _ = await _repository.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("council run", runId.Value);
        return _repository.ListEventsAsync(runId, cancellationToken);
    }

    /// <summary>
    /// Cancels a run: one executing in this process stops at its next await and is recorded <c>Cancelled</c> by its
    /// launcher; one that is not executing here (interrupted, awaiting approval) is marked <c>Cancelled</c>.
    /// </summary>
    /// <exception cref="AuthorizationException">The token is not valid for <c>cancel</c> on this run.</exception>
    /// <exception cref="NotFoundException">No such run.</exception>
    /// <exception cref="ConflictException">The run already ended.</exception>
    public async Task CancelAsync(CouncilRunId runId, CapToken token, CancellationToken cancellationToken = default)
    {
        _gate.Verify(token, runId, Verbs.Cancel);
        if (_inFlight.TryGetValue(runId, out var cts))
        {
            await cts.CancelAsync().ConfigureAwait(false);
            return;
        }

        var run = await _repository.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("council run", runId.Value);
        CouncilRunStatusTransitions.EnsureCanTransition(runId, run.Status, CouncilRunStatus.Cancelled);
        await _repository.UpdateRunStatusAsync(runId, CouncilRunStatus.Cancelled, cancellationToken).ConfigureAwait(false);
        LaunchLog.RunCancelled(_logger, runId.Value);
    }

    /// <summary>Continues an <c>Interrupted</c> (or awaiting-approval) run from its stored state; only unfinished steps run.</summary>
    /// <exception cref="AuthorizationException">The token is not valid for <c>resume</c> on this run.</exception>
    /// <exception cref="NotFoundException">No such run.</exception>
    /// <exception cref="ConflictException">The run is executing here, or it already ended.</exception>
    /// <exception cref="FlowExecutionException">A step failed or the TTL expired.</exception>
    public async Task<LaunchResult> ResumeAsync(CouncilRunId runId, CapToken token, CancellationToken cancellationToken = default)
    {
        _gate.Verify(token, runId, Verbs.Resume);
        var (run, graph) = await LoadForRestartAsync(runId, cancellationToken).ConfigureAwait(false);
        var recorded = await RecordedRun.LoadAsync(_repository, runId, graph, cancellationToken).ConfigureAwait(false);
        return await RestartAsync(run, graph, recorded, _binder.Resolve(graph.Blueprint), recorded.LastWave + 1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rewinds a non-terminal run to the end of <paramref name="wave"/>: deletes the events of later waves and the
    /// node states recorded in them, then runs again from that wave's ctx; only the later waves' steps run again.
    /// </summary>
    /// <exception cref="AuthorizationException">The token is not valid for <c>rewind</c> on this run.</exception>
    /// <exception cref="NotFoundException">No such run.</exception>
    /// <exception cref="ConflictException">The run is executing here, or it already ended (a terminal run does not move).</exception>
    /// <exception cref="FlowExecutionException">A step failed or the TTL expired.</exception>
    public async Task<LaunchResult> RewindAsync(CouncilRunId runId, int wave, CapToken token, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(wave);
        _gate.Verify(token, runId, Verbs.Rewind);
        var (run, graph) = await LoadForRestartAsync(runId, cancellationToken).ConfigureAwait(false);
        var recorded = await RecordedRun.LoadAsync(_repository, runId, graph, cancellationToken).ConfigureAwait(false);
        if (wave > recorded.LastWave)
        {
            throw new ValidationException("$.wave", $"The run has finished waves 0 to {recorded.LastWave}; it cannot be rewound to wave {wave}.");
        }

        // Resolve first: a Blueprint that no longer binds must not cost the run its later events.
        var resolved = _binder.Resolve(graph.Blueprint);
        graph.ForgetAfterWave(wave);
        recorded.ForgetAfterWave(wave);
        await _repository.TruncateEventsAfterWaveAsync(runId, wave, cancellationToken).ConfigureAwait(false);
        return await RestartAsync(run, graph, recorded, resolved, wave + 1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Issues a capability token for an existing run, for example to resume a run whose launcher died or to cancel a
    /// run launched with a chosen <see cref="LaunchRequest.RunId"/>. This is a host-side call: whoever can call it holds
    /// the signing key's authority, so do not expose it to callers unchecked.
    /// </summary>
    /// <exception cref="AuthorizationException">The role is unknown to the policy.</exception>
    public CapToken IssueToken(CouncilRunId runId, string operatorId, string role, TimeSpan? ttl = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(operatorId);
        ArgumentException.ThrowIfNullOrEmpty(role);
        if (!_options.Value.Security.RoleVerbs.ContainsKey(role))
        {
            throw new AuthorizationException("issue_token", $"the role '{role}' is not in the policy.");
        }

        return _gate.Issue(runId, operatorId, role, _time.GetUtcNow() + (ttl ?? _options.Value.DefaultTtl));
    }

    /// <summary>
    /// Marks the runs abandoned in <c>Running</c> <c>Interrupted</c>, so they can be resumed: runs owned by a process of
    /// this machine that no longer exists, and runs with no activity for <see cref="IssueCoreOptions.AbandonedRunTimeout"/>.
    /// Runs of live launchers (in this process or in other hosts sharing the repository) are left alone. Call at host
    /// start; the hosted service registered by <c>AddIssueCore</c> does. A repository that cannot mark only abandoned
    /// runs has every running run marked, as before, and a warning is logged.
    /// </summary>
    /// <returns>How many runs were marked.</returns>
    public async Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default)
    {
        // Owner liveness is decided here; the repository re-checks status and owner in the write that marks each run,
        // so a run resumed (and re-owned) in between is left alone.
        var deadOwners = new HashSet<string>(StringComparer.Ordinal);
        var checkedOwners = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var run in _repository.ListRunsAsync(CouncilRunStatus.Running, cancellationToken).ConfigureAwait(false))
        {
            if (run.Owner is { } owner && checkedOwners.Add(owner) && _owner.IsKnownDead(owner))
            {
                deadOwners.Add(owner);
            }
        }

        var filter = new CouncilRunInterruptFilter
        {
            LastActivityBefore = _time.GetUtcNow() - _options.Value.AbandonedRunTimeout,
            AbandonedOwners = deadOwners,
        };
        int count;
        try
        {
            count = await _repository.MarkAbandonedRunsAsync(filter, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            count = await _repository.MarkInterruptedRunsAsync(cancellationToken).ConfigureAwait(false);
            LaunchLog.MarkedEveryRunningRun(_logger);
        }

        if (count > 0)
        {
            LaunchLog.InterruptedRunsMarked(_logger, count);
        }

        return count;
    }

    private async Task<(CouncilRun Run, RunGraph Graph)> LoadAsync(CouncilRunId runId, CancellationToken cancellationToken)
    {
        var run = await _repository.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("council run", runId.Value);
        if (run.Graph is not { } element)
        {
            throw new NotFoundException("council run graph", runId.Value);
        }

        return (run, RunGraph.Load(element));
    }

    private async Task<(CouncilRun Run, RunGraph Graph)> LoadForRestartAsync(CouncilRunId runId, CancellationToken cancellationToken)
    {
        var (run, graph) = await LoadAsync(runId, cancellationToken).ConfigureAwait(false);
        if (_inFlight.ContainsKey(runId) || run.Status is CouncilRunStatus.Running)
        {
            throw new ConflictException($"Run '{runId}' is executing.", expected: "Interrupted", actual: run.Status.ToString());
        }

        CouncilRunStatusTransitions.EnsureCanTransition(runId, run.Status, CouncilRunStatus.Running);
        return (run, graph);
    }

    private async Task<LaunchResult> RestartAsync(
        CouncilRun run,
        RunGraph graph,
        RecordedRun recorded,
        (FlowPlan Plan, IReadOnlyDictionary<string, AgentCallDelegate> Agents) resolved,
        int fromWave,
        CancellationToken cancellationToken)
    {
        var (plan, agents) = resolved;
        await _repository.UpdateRunStatusAsync(run.Id, CouncilRunStatus.Running, cancellationToken).ConfigureAwait(false);
        await TouchAsync(run.Id, cancellationToken).ConfigureAwait(false);
        var recorder = new RunRecorder(_repository, _logger, run.Id, graph, recorded, _options.Value.RecordEachBranchCompletion, _recordFinalContext);
        if (graph.IsLegacy)
        {
            // A graph of format 1 holds node states of its own: write back what a rewind dropped.
            await recorder.WriteGraphAsync(cancellationToken).ConfigureAwait(false);
        }

        LaunchLog.RunResumed(_logger, run.Id.Value, fromWave);
        return await ExecuteAsync(run.Id, plan, agents, recorder, graph.InitialContext, graph.Ttl, cancellationToken, graph).ConfigureAwait(false);
    }

    private async Task<LaunchResult> ExecuteAsync(
        CouncilRunId runId,
        FlowPlan plan,
        IReadOnlyDictionary<string, AgentCallDelegate> agents,
        RunRecorder recorder,
        JsonObject ctx,
        TimeSpan ttl,
        CancellationToken cancellationToken,
        RunGraph? restarted = null)
    {
        var deadline = _time.GetUtcNow() + ttl;
        var token = _gate.Issue(runId, restarted?.OperatorId ?? recorder.Graph.OperatorId, restarted?.Role ?? recorder.Graph.Role, deadline);
        using var ttlCts = new CancellationTokenSource(ttl, _time);
        using var cancelCts = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ttlCts.Token, cancelCts.Token);
        if (!_inFlight.TryAdd(runId, cancelCts))
        {
            throw new ConflictException($"Run '{runId}' is already executing.");
        }

        using var heartbeatCts = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
        var interval = _options.Value.RunHeartbeatInterval;
        using var beat = interval == Timeout.InfiniteTimeSpan ? null : new PeriodicTimer(interval, _time);
        var heartbeat = beat is null ? Task.CompletedTask : HeartbeatAsync(runId, beat, heartbeatCts.Token);
        using var activity = FlowTelemetry.Source.StartActivity(FlowTelemetry.RunActivity, ActivityKind.Internal);
        activity?.SetTag("issuecore.run_id", runId.Value);
        activity?.SetTag("issuecore.flow_id", plan.Blueprint.Id);
        try
        {
            var interpreter = new FlowInterpreter(agents, recorder, runId, deadline);
            try
            {
                await interpreter.RunAsync(plan.Root, ctx, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && !cancelCts.IsCancellationRequested && ttlCts.IsCancellationRequested)
            {
                var failure = new FlowExecutionException(runId, plan.Root.Path, TimeoutKind, $"The run's TTL of {ttl} expired.", new TimeoutException($"The run's TTL of {ttl} expired at {deadline:O}.", ex));
                await FlushAsync(recorder).ConfigureAwait(false);
                await FailAsync(runId, failure, activity).ConfigureAwait(false);
                throw failure;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || cancelCts.IsCancellationRequested)
            {
                await FlushAsync(recorder).ConfigureAwait(false);
                await WriteEndStatusAsync(runId, CouncilRunStatus.Cancelled).ConfigureAwait(false);
                activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
                LaunchLog.RunCancelled(_logger, runId.Value);
                throw;
            }
            catch (FlowFaultException fault)
            {
                var failure = fault.InnerException is ScriptException { Limit: ScriptLimit.Deadline } script
                    ? new FlowExecutionException(runId, fault.NodePath, TimeoutKind, fault.Message, script)
                    : new FlowExecutionException(runId, fault.NodePath, fault.Kind, fault.Message, fault.InnerException ?? fault);
                await FlushAsync(recorder).ConfigureAwait(false);
                await FailAsync(runId, failure, activity).ConfigureAwait(false);
                throw failure;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not FlowExecutionException)
            {
                // Anything else (a repository that failed to write the graph, a bug) still ends the run: it must not stay
                // Running with nobody executing it.
                var failure = new FlowExecutionException(runId, plan.Root.Path, FlowErrorKinds.Agent, "The run failed: " + ex.Message, ex);
                await FlushAsync(recorder).ConfigureAwait(false);
                await FailAsync(runId, failure, activity).ConfigureAwait(false);
                throw;
            }

            // The flow finished: its record is written even if the caller gives up now, but a stalled store cannot hold the
            // caller for longer than the record timeout.
            var recordTimeout = _options.Value.RunRecordTimeout;
            using var completion = new CancellationTokenSource(recordTimeout, _time);
            try
            {
                // The last events, the final graph and the Completed status: one write.
                await recorder.CompleteAsync(ctx, completion.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (completion.IsCancellationRequested)
            {
                throw new StorageException($"Recording that run '{runId}' completed took longer than {recordTimeout}; a host starting after the abandoned-run timeout marks it interrupted.", ex);
            }
            catch (Exception ex) when (ex is not ConflictException)
            {
                // The flow finished but its final state could not be recorded: the run must not stay Running.
                await EndUnrecordedAsync(runId, ex).ConfigureAwait(false);
                throw;
            }
            LaunchLog.RunCompleted(_logger, runId.Value);
            return new LaunchResult { RunId = runId, FinalContext = ctx, Token = token };
        }
        finally
        {
            // Ended on this thread: a disposed periodic timer ends the heartbeat's wait inline, so the launch returns
            // without a hop to the thread pool (a cancelled Task.Delay, or CancelAsync, resumes its waiter there and
            // made every launch complete asynchronously). The cancellation stops a touch in flight.
#pragma warning disable CA1849 // the only callback is a touch in flight, which does not block
            heartbeatCts.Cancel();
#pragma warning restore CA1849
            beat?.Dispose();
            await heartbeat.ConfigureAwait(false);
            _inFlight.TryRemove(runId, out _);
            _retention.RunFinished();
        }
    }

    /// <summary>Writes the events a failed or cancelled run still has pending, bounded by the record timeout; never throws.</summary>
    private async Task FlushAsync(RunRecorder recorder)
    {
        using var bounded = new CancellationTokenSource(_options.Value.RunRecordTimeout, _time);
        try
        {
            await recorder.FlushAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Bounded: the status is written next either way.
        }
    }

    /// <summary>Records this process as the run's executor; false when the run is not running or the repository cannot.</summary>
    private async Task<bool> TouchAsync(CouncilRunId runId, CancellationToken cancellationToken)
    {
        try
        {
            return await _repository.TouchRunAsync(runId, _owner.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false; // the run ended while its activity was being recorded
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Activity is best effort, like events: the run goes on, and the next heartbeat tries again.
            LaunchLog.HeartbeatFailed(_logger, ex, runId.Value);
            return true;
        }
    }

    /// <summary>Keeps the run's activity fresh while it executes, so hosts starting meanwhile do not take it for abandoned.</summary>
    /// <remarks>The run ending disposes <paramref name="beat"/>, which ends the wait with <see langword="false"/>: no exception.</remarks>
    private async Task HeartbeatAsync(CouncilRunId runId, PeriodicTimer beat, CancellationToken cancellationToken)
    {
        while (await beat.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false)
            && !cancellationToken.IsCancellationRequested
            && await TouchAsync(runId, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>
    /// Ends a run whose record could not be written (best effort: the repository may be failing): <c>Cancelled</c> after a
    /// cancellation, otherwise <c>Failed</c>, so it is not left <c>Running</c> with nobody executing it.
    /// </summary>
    private async Task EndUnrecordedAsync(CouncilRunId runId, Exception error)
    {
        var status = error is OperationCanceledException ? CouncilRunStatus.Cancelled : CouncilRunStatus.Failed;
        LaunchLog.RunFailed(_logger, error, runId.Value, "$");
        try
        {
            using var bounded = new CancellationTokenSource(_options.Value.RunRecordTimeout, _time);
            await _repository.UpdateRunStatusAsync(runId, status, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LaunchLog.RunStatusUnrecorded(_logger, ex, runId.Value, status.ToString());
        }
    }

    private async Task FailAsync(CouncilRunId runId, FlowExecutionException failure, Activity? activity)
    {
        activity?.SetStatus(ActivityStatusCode.Error, failure.Message);
        LaunchLog.RunFailed(_logger, failure, runId.Value, failure.NodePath);
        await WriteEndStatusAsync(runId, CouncilRunStatus.Failed).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a failed or cancelled run's status, bounded by <see cref="IssueCoreOptions.RunRecordTimeout"/> (the caller's
    /// token may be the very one that cancelled the run). A store that stalls past the bound leaves the run to the
    /// abandoned-run recovery; other storage errors propagate.
    /// </summary>
    private async Task WriteEndStatusAsync(CouncilRunId runId, CouncilRunStatus status)
    {
        using var bounded = new CancellationTokenSource(_options.Value.RunRecordTimeout, _time);
        try
        {
            await _repository.UpdateRunStatusAsync(runId, status, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (bounded.IsCancellationRequested)
        {
            LaunchLog.RunStatusUnrecorded(_logger, ex, runId.Value, status.ToString());
        }
    }
}
