using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Council;

namespace IssueCore.Flows;

/// <summary>
/// Runs a validated flow over a JSON ctx. Waves: every step outside a fan-out, and every top-level fan-out
/// as a whole, is one wave; waves are numbered from 0 in execution order, so the numbering is the same on
/// every replay of the same flow. Step instances are keyed by node path plus the fan-out branch index and
/// loop iteration around them, so a resume can replay recorded outputs instead of calling agents again.
/// </summary>
internal sealed class FlowInterpreter
{
    private readonly IReadOnlyDictionary<string, AgentCallDelegate> _agents;
    private readonly IFlowObserver _observer;
    private readonly CouncilRunId _runId;
    private readonly DateTimeOffset? _deadline;
    private int _wave;

    public FlowInterpreter(IReadOnlyDictionary<string, AgentCallDelegate> agents, IFlowObserver observer, CouncilRunId runId, DateTimeOffset? deadline)
    {
        _agents = agents;
        _observer = observer;
        _runId = runId;
        _deadline = deadline;
    }

    /// <summary>The next wave number (how many sequential waves have finished).</summary>
    public int Wave => _wave;

    public Task RunAsync(FlowNode root, JsonObject ctx, CancellationToken cancellationToken)
        => ExecAsync(root, ctx, new Scope(string.Empty, null), cancellationToken);

    private async Task ExecAsync(FlowNode node, JsonObject ctx, Scope scope, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        switch (node)
        {
            case StepNode step:
                await StepAsync(step, ctx, scope, ct).ConfigureAwait(false);
                break;
            case SeqNode seq:
                foreach (var child in seq.Children)
                {
                    await ExecAsync(child, ctx, scope, ct).ConfigureAwait(false);
                }

                break;
            case FanoutNode fanout:
                await FanoutAsync(fanout, ctx, scope, ct).ConfigureAwait(false);
                break;
            case BranchNode branch:
                if (branch.Condition.EvaluateCondition(ctx))
                {
                    await ExecAsync(branch.Then, ctx, scope, ct).ConfigureAwait(false);
                }
                else if (branch.Else is not null)
                {
                    await ExecAsync(branch.Else, ctx, scope, ct).ConfigureAwait(false);
                }

                break;
            case LoopNode loop:
                for (var i = 0; i < loop.MaxIterations; i++)
                {
                    await ExecAsync(loop.Body, ctx, scope with { Prefix = $"{scope.Prefix}{loop.Path}#{i}/" }, ct).ConfigureAwait(false);
                    if (loop.Until.EvaluateCondition(ctx))
                    {
                        return;
                    }
                }

                throw new FlowFaultException(loop.Path, FlowErrorKinds.LoopLimit, $"The loop reached max_iterations ({loop.MaxIterations}) before its 'until' condition held.");
            case TryNode tryNode:
                await TryAsync(tryNode, ctx, scope, ct).ConfigureAwait(false);
                break;
            case AssignNode assign:
                assign.At.Adopt(ctx, assign.Value.Evaluate(ctx), assign.Path); // Evaluate returns a detached copy
                break;
            default:
                throw new InvalidOperationException($"Unknown node type {node.GetType().Name}.");
        }
    }

    private async Task StepAsync(StepNode step, JsonObject ctx, Scope scope, CancellationToken ct)
    {
        var key = scope.Prefix + step.Path;
        var wave = scope.ParallelWave ?? _wave;
        if (!_observer.TryGetCompleted(key, out var output))
        {
            var input = step.Input.Evaluate(ctx);
            await _observer.StepStartedAsync(key, step, wave, scope.ParallelWave is not null, ct).ConfigureAwait(false);
            try
            {
                var call = _agents[step.AgentRef];
                var returned = await call(
                    new AgentInvocation { AgentName = step.AgentRef, Input = input, RunId = _runId, NodePath = step.Path, Deadline = _deadline },
                    ct).ConfigureAwait(false);

                // One serialisation serves the ctx (a node over it is cheap to copy and to snapshot) and the run record; an
                // output nested beyond the record depth fails the step here.
                output = _observer.FreezeOutput(key, step, returned);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ct.IsCancellationRequested && ex is ScriptException { Limit: ScriptLimit.Cancelled or ScriptLimit.Deadline })
            {
                // The run was cancelled or its TTL expired while a script ran: the script stopped because of it, so this is
                // the run's cancellation, not a failure of the step (and no try node may catch it).
                throw new OperationCanceledException(ex.Message, ex, ct);
            }
            catch (Exception ex)
            {
                var fault = ex as FlowFaultException
                    ?? new FlowFaultException(step.Path, ex is ScriptException or NotFoundException ? FlowErrorKinds.Script : FlowErrorKinds.Agent, ex.Message, ex);
                await _observer.StepFailedAsync(key, step, wave, fault, ct).ConfigureAwait(false);
                throw fault;
            }

            if (scope.ParallelWave is null)
            {
                // A sequential step is a wave of its own: its completion and the wave's end are reported together.
                try
                {
                    step.Output?.Adopt(ctx, output, step.Path);
                }
                catch
                {
                    // Recorded as before the write: the step did finish.
                    await _observer.StepCompletedAsync(key, step, wave, output, null, ct).ConfigureAwait(false);
                    throw;
                }

                await _observer.StepCompletedAsync(key, step, wave, output, ctx, ct).ConfigureAwait(false);
                _wave++;
                return;
            }

            await _observer.StepCompletedAsync(key, step, wave, output, null, ct).ConfigureAwait(false);
        }

        step.Output?.Adopt(ctx, output, step.Path); // a fresh node: the agent's frozen output or a recorded one
        if (scope.ParallelWave is null)
        {
            await _observer.WaveCompletedAsync(_wave, ctx, ct).ConfigureAwait(false);
            _wave++;
        }
    }

    private async Task TryAsync(TryNode node, JsonObject ctx, Scope scope, CancellationToken ct)
    {
        var work = ctx.DeepClone().AsObject();
        try
        {
            await ExecAsync(node.Body, work, scope, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The body's writes are dropped: ctx is still as it was before the body ran.
            node.ErrorAt.Adopt(ctx, ErrorRecord(ex, node.Path), node.Path);
            if (node.Catch is not null)
            {
                await ExecAsync(node.Catch, ctx, scope, ct).ConfigureAwait(false);
            }

            return;
        }

        MoveContents(work, ctx);
    }

    private async Task FanoutAsync(FanoutNode node, JsonObject ctx, Scope scope, CancellationToken ct)
    {
        if (node.Items.Get(ctx) is not JsonArray items)
        {
            throw new FlowFaultException(node.Path, FlowErrorKinds.Type, $"The fan-out's items at '{node.Items}' is not an array.");
        }

        var wave = scope.ParallelWave ?? _wave;
        var count = items.Count;
        var results = new JsonNode?[count];
        var failures = new Exception?[count];
        var firstFailure = -1;
        var winner = -1;
        var cloneLock = new Lock();
        var template = count == 0 ? default : CtxValues.Snapshot(ctx); // one immutable copy shared by every branch
        using var branchCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var gate = new SemaphoreSlim(Math.Min(node.MaxParallel ?? int.MaxValue, Math.Max(count, 1)));

        async Task RunBranchAsync(int index)
        {
            var entered = false;
            try
            {
                await gate.WaitAsync(branchCts.Token).ConfigureAwait(false);
                entered = true;
                if (index < count - 1)
                {
                    // Agents may complete synchronously (Lua scripts do): without this the branches would run one after
                    // another on the launching thread, whatever max_parallel allows. The last branch runs on the
                    // launching thread itself, which would otherwise only wait for the others: one hand-off fewer.
                    await Task.Yield();
                }

                // Each branch gets its own ctx over the shared immutable snapshot: only what the branch reads is
                // materialised, and its writes stay in its own nodes.
                var branchCtx = JsonObject.Create(template)!;
                lock (cloneLock)
                {
                    // JsonNode is not safe for concurrent reads (lazy initialisation), so items are read one at a time.
                    node.Bind.Set(branchCtx, items[index], node.Path);
                }

                await ExecAsync(node.Body, branchCtx, new Scope($"{scope.Prefix}{node.Path}[{index}]/", wave), branchCts.Token).ConfigureAwait(false);
                results[index] = Collected(node, branchCtx);
                if (node.Join is FanoutJoin.Any or FanoutJoin.Race && Interlocked.CompareExchange(ref winner, index, -1) == -1)
                {
                    await branchCts.CancelAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (branchCts.IsCancellationRequested)
            {
                // Cancelled by the caller (checked after the join) or because a sibling decided the join.
            }
            catch (Exception ex)
            {
                failures[index] = ex;
                if (node.Join == FanoutJoin.Race && Interlocked.CompareExchange(ref winner, index, -1) == -1)
                {
                    // A race is decided by the first branch to finish, also when it fails.
                    await branchCts.CancelAsync().ConfigureAwait(false);
                }
                else if (node.Join == FanoutJoin.All && Interlocked.CompareExchange(ref firstFailure, index, -1) == -1)
                {
                    await branchCts.CancelAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                if (entered)
                {
                    gate.Release();
                }
            }
        }

        var tasks = new Task[count];
        for (var i = 0; i < count; i++)
        {
            tasks[i] = RunBranchAsync(i);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();

        JsonNode? joined;
        switch (node.Join)
        {
            case FanoutJoin.All:
                if (firstFailure >= 0)
                {
                    ExceptionDispatchInfo.Throw(failures[firstFailure]!);
                }

                joined = new JsonArray(results.ToArray());
                break;
            case FanoutJoin.Any:
                if (winner < 0)
                {
                    var inner = failures.Where(f => f is not null).Cast<Exception>().ToArray();
                    throw new FlowFaultException(node.Path, FlowErrorKinds.Fanout, count == 0 ? "The fan-out with join 'any' had no items." : "Every branch of the fan-out failed.", inner.Length == 0 ? null : new AggregateException(inner));
                }

                joined = results[winner];
                break;
            case FanoutJoin.Race:
                if (winner < 0)
                {
                    throw new FlowFaultException(node.Path, FlowErrorKinds.Fanout, "The fan-out with join 'race' had no items.");
                }

                if (failures[winner] is { } lost)
                {
                    ExceptionDispatchInfo.Throw(lost);
                }

                joined = results[winner];
                break;
            default:
                var settled = new JsonArray();
                for (var i = 0; i < count; i++)
                {
                    settled.Add(failures[i] is { } failure
                        ? new JsonObject { ["status"] = "rejected", ["reason"] = ErrorRecord(failure, node.Path) }
                        : new JsonObject { ["status"] = "fulfilled", ["value"] = results[i] });
                }

                joined = settled;
                break;
        }

        node.Output?.Adopt(ctx, joined, node.Path); // the branches' ctxs (or what was collected of them) are this join's own
        if (scope.ParallelWave is null)
        {
            await _observer.WaveCompletedAsync(_wave, ctx, ct).ConfigureAwait(false);
            _wave++;
        }
    }

    /// <summary>
    /// What the join keeps of a finished branch: its whole ctx, or with <c>collect</c> only the value at that path, written
    /// at the same path of a fresh object (so <c>collect: "$.verdict"</c> keeps <c>{"verdict": …}</c>).
    /// </summary>
    private static JsonObject Collected(FanoutNode node, JsonObject branchCtx)
    {
        if (node.Collect is not { } collect)
        {
            return branchCtx;
        }

        var kept = new JsonObject();
        collect.Set(kept, collect.Get(branchCtx), node.Path);
        return kept;
    }

    /// <summary>The error record a try node writes at its <c>err_at</c> and an all_settled join keeps as a failed branch's <c>reason</c>.</summary>
    internal static JsonObject ErrorRecord(Exception ex, string fallbackNode)
    {
        var (kind, nodePath) = ex is FlowFaultException f ? (f.Kind, f.NodePath) : (FlowErrorKinds.Agent, fallbackNode);
        return new JsonObject { ["message"] = ex.Message, ["kind"] = kind, ["node"] = nodePath };
    }

    internal static void MoveContents(JsonObject from, JsonObject to)
    {
        to.Clear();
        foreach (var (k, v) in from.ToList())
        {
            from.Remove(k);
            to[k] = v;
        }
    }

    private readonly record struct Scope(string Prefix, int? ParallelWave);
}
