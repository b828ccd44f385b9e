using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Council;
using IssueCore.Flows;
using IssueCore.Json;
using Microsoft.Extensions.Logging;

namespace IssueCore.Launch;

/// <summary>
/// The record stage, run alongside execution. Recording is append-only and proportional to what changed: the graph
/// (the plan) is written with the run when it is created and once more with the final ctx; in between, every step
/// start, completion (with the step's output) and failure, and every finished wave, is one small event.
/// </summary>
/// <remarks>
/// <para>
/// Events are written in groups, never later than the work that depends on them: a step's start (with whatever is
/// pending) is written before its agent is called (a fan-out branch's start waits for the run's next write, at the
/// latest the branch's completion); a branch's completion, and a failure, are written before the interpreter goes on; a sequential step's completion and its wave's end, and a fan-out's wave end, wait for the next
/// write of the run (the next step's start, or the run's end, which writes them with the final graph and the
/// <c>Completed</c> status in one <see cref="ICouncilRepository.WriteRunRecordAsync"/>). Nothing runs in between
/// but the interpreter's own bookkeeping, so a crash loses no more than before: at most the last finished step, which
/// runs again on a resume. Writers of one run that meet (the branches of a fan-out) share one write: while one write
/// is in flight the next group gathers, and goes as one batch.
/// </para>
/// <para>
/// Event-append failures are logged and do not stop the run (a step whose completion was not recorded runs again on a
/// resume); a failure to write the run's end does. Resume, rewind and reads of the ctx rebuild the run from those
/// events (see <see cref="RecordedRun"/>).
/// </para>
/// </remarks>
internal sealed class RunRecorder : IFlowObserver
{
    private static readonly JsonDocumentOptions RecordOptions = new() { MaxDepth = JsonLimits.MaxRecordDepth };
    private static readonly JsonWriterOptions WriterOptions = new() { MaxDepth = JsonLimits.MaxRecordDepth, SkipValidation = true };

    private readonly ICouncilRepository _repository;
    private readonly ILogger _logger;
    private readonly CouncilRunId _runId;
    private readonly RunGraph _graph;
    private readonly RecordedRun _recorded;
    private readonly int _lastRecordedWave;
    private readonly bool _recordEachBranchCompletion;
    private readonly bool _recordFinalContext;
    private readonly Lock _lock = new();
    private List<Pending> _pending = [];
    private Task? _writing;

    public RunRecorder(ICouncilRepository repository, ILogger logger, CouncilRunId runId, RunGraph graph, RecordedRun recorded, bool recordEachBranchCompletion = true, bool recordFinalContext = true)
    {
        _recordFinalContext = recordFinalContext;
        _recordEachBranchCompletion = recordEachBranchCompletion;
        _repository = repository;
        _logger = logger;
        _runId = runId;
        _graph = graph;
        _recorded = recorded;
        _lastRecordedWave = recorded.LastWave;
    }

    public RunGraph Graph => _graph;

    public bool TryGetCompleted(string key, out JsonNode? output) => _recorded.TryGetOutput(key, out output);

    public ValueTask StepStartedAsync(string key, StepNode node, int wave, bool inBranch, CancellationToken cancellationToken)
    {
        Enqueue(RunEventKinds.StepStarted, Payloads(node, key, writeOutput: false, output: null, waveEnd: false), wave, node);

        // A sequential step's start is written before its agent runs (with the previous step's completion). A branch's start
        // goes with the run's next write, at the latest the branch's own completion: the branches of a fan-out start
        // together, and their starts carry nothing a resume needs.
        return inBranch ? ValueTask.CompletedTask : WritePendingAsync(cancellationToken);
    }

    public ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, JsonObject? waveContext, CancellationToken cancellationToken)
    {
        // Serialised now, before the interpreter goes on and the ctx (which may hold the output) changes.
        var endsWave = waveContext is not null && wave > _lastRecordedWave;
        Enqueue(RunEventKinds.StepCompleted, Payloads(node, key, writeOutput: true, output, endsWave), wave, node);

        // A sequential step's completion goes with the run's next write (the next step's start or the run's end); a
        // branch's is written now, shared with the other branches that finish meanwhile (or, when the options say so,
        // with the end of its wave).
        return waveContext is not null || !_recordEachBranchCompletion ? ValueTask.CompletedTask : WritePendingAsync(cancellationToken);
    }

    public ValueTask StepFailedAsync(string key, StepNode node, int wave, Exception error, CancellationToken cancellationToken)
    {
        var payload = new JsonObject { ["node"] = node.Path, ["key"] = key, ["agent"] = node.AgentRef, ["error"] = FlowInterpreter.ErrorRecord(error, node.Path) };
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            payload.WriteTo(writer);
            writer.WriteEndArray();
        }

        Enqueue(RunEventKinds.StepFailed, JsonDocument.Parse(buffer.WrittenMemory, RecordOptions), wave, node);
        return WritePendingAsync(cancellationToken);
    }

    public ValueTask WaveCompletedAsync(int wave, JsonObject ctx, CancellationToken cancellationToken)
    {
        if (wave <= _lastRecordedWave)
        {
            return ValueTask.CompletedTask; // replayed during a resume or rewind: its events are already recorded
        }

        var buffer = new ArrayBufferWriter<byte>(16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        Enqueue(RunEventKinds.WaveCompleted, JsonDocument.Parse(buffer.WrittenMemory), wave, null);
        return ValueTask.CompletedTask; // goes with the run's next write
    }

    /// <summary>The status the run's end writes: <c>Completed</c>, or <c>Running</c> for a run its caller holds open.</summary>
    public CouncilRunStatus EndStatus { get; init; } = CouncilRunStatus.Completed;

    /// <summary>
    /// Adds the final ctx to the graph and writes the run's end in one <see cref="ICouncilRepository.WriteRunRecordAsync"/>:
    /// the events still pending, the graph (its second and last write) and the <c>Completed</c> status. A recorder told
    /// not to record the final ctx leaves the graph as written at the start: the final ctx is the initial one with the
    /// recorded step outputs applied, and <see cref="TaskLaunchService.ReadContextAsync"/> rebuilds it from them.
    /// </summary>
    public async Task CompleteAsync(JsonObject finalContext, CancellationToken cancellationToken)
    {
        if (_recordFinalContext)
        {
            _graph.SetFinalContext(finalContext);
        }

        var pending = await TakeAllAsync().ConfigureAwait(false);
        try
        {
            using var graph = _recordFinalContext ? _graph.ToDocument() : null;
            JsonElement? element = graph is null ? null : graph.RootElement;
            try
            {
                await _repository.WriteRunRecordAsync(_runId, Drafts(pending), element, EndStatus, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (pending.Count > 0 && ex is not OperationCanceledException and not ConflictException)
            {
                // The events may be what failed: like any event-append failure it is logged and the run goes on, so its
                // end is written again without them.
                LaunchLog.EventAppendFailed(_logger, ex, pending[0].First.Kind, _runId.Value);
                await _repository.WriteRunRecordAsync(_runId, [], element, EndStatus, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Dispose(pending);
        }
    }

    /// <summary>Writes the events still pending (before a failed or cancelled run's status is written); failures are logged.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var pending = await TakeAllAsync().ConfigureAwait(false);
        if (pending.Count > 0)
        {
            await WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task WriteGraphAsync(CancellationToken cancellationToken)
    {
        using var graph = _graph.ToDocument();
        await _repository.UpdateGraphAsync(_runId, graph.RootElement, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The payloads of a step event as one array document: <c>[{"node", "key", "agent", "output"?}]</c>, followed by the
    /// wave's <c>{}</c> when the step also ends its wave.
    /// </summary>
    private static JsonDocument Payloads(StepNode node, string key, bool writeOutput, JsonNode? output, bool waveEnd)
    {
        var buffer = new ArrayBufferWriter<byte>(writeOutput ? 512 : 128);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteString("node", node.Path);
            writer.WriteString("key", key);
            writer.WriteString("agent", node.AgentRef);
            if (writeOutput)
            {
                writer.WritePropertyName("output");
                if (output is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    output.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
            if (waveEnd)
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return JsonDocument.Parse(buffer.WrittenMemory, RecordOptions);
    }

    /// <summary>
    /// Queues the event of <paramref name="kind"/> (the document's first element) and, when the document holds a second
    /// element, the <c>wave.completed</c> event of the same wave; the document is disposed once written.
    /// </summary>
    private void Enqueue(string kind, JsonDocument payloads, int wave, StepNode? node)
    {
        var root = payloads.RootElement;
        var first = new CouncilRunEventDraft(_runId, wave, kind, node?.Path, root[0]);
        var second = root.GetArrayLength() == 1 ? null : new CouncilRunEventDraft(_runId, wave, RunEventKinds.WaveCompleted, null, root[1]);
        lock (_lock)
        {
            _pending.Add(new Pending(first, second, payloads));
        }
    }

    /// <summary>
    /// Returns once every event queued before the call is written (or its write failed and was logged). One writer at a
    /// time: a caller that finds a write in flight waits for it, then writes whatever gathered meanwhile, its own events
    /// among them, as one batch.
    /// </summary>
    private async ValueTask WritePendingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            List<Pending> batch;
            TaskCompletionSource done;
            Task? inFlight;
            lock (_lock)
            {
                inFlight = _writing;
                if (inFlight is null)
                {
                    if (_pending.Count == 0)
                    {
                        return;
                    }

                    batch = _pending;
                    _pending = [];
                    done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _writing = done.Task;
                }
                else
                {
                    batch = null!;
                    done = null!;
                }
            }

            if (inFlight is not null)
            {
                // Another branch is writing: what this caller queued is in that batch or in the next one.
                await inFlight.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                cancellationToken.ThrowIfCancellationRequested();
                continue;
            }

            try
            {
                await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (_lock)
                {
                    _writing = null;
                }

                done.SetResult();
            }

            return;
        }
    }

    /// <summary>Waits for the write in flight, then takes every pending event (for the run's last write).</summary>
    private async Task<List<Pending>> TakeAllAsync()
    {
        while (true)
        {
            Task? inFlight;
            lock (_lock)
            {
                inFlight = _writing;
                if (inFlight is null)
                {
                    var all = _pending;
                    _pending = [];
                    return all;
                }
            }

            await inFlight.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Appends a batch in one call; failures are logged (the run goes on), a cancellation of the run propagates.</summary>
    private async Task WriteAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        try
        {
            await _repository.AppendEventsAsync(Drafts(batch), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LaunchLog.EventAppendFailed(_logger, ex, batch[0].First.Kind, _runId.Value);
        }
        finally
        {
            Dispose(batch);
        }
    }

    private static CouncilRunEventDraft[] Drafts(List<Pending> batch)
    {
        var count = 0;
        foreach (var p in batch)
        {
            count += p.Second is null ? 1 : 2;
        }

        var drafts = new CouncilRunEventDraft[count];
        var i = 0;
        foreach (var p in batch)
        {
            drafts[i++] = p.First;
            if (p.Second is { } second)
            {
                drafts[i++] = second;
            }
        }

        return drafts;
    }

    private static void Dispose(List<Pending> batch)
    {
        foreach (var p in batch)
        {
            p.Payloads.Dispose();
        }
    }

    /// <summary>One or two queued events and the pooled document their payloads live in.</summary>
    private sealed record Pending(CouncilRunEventDraft First, CouncilRunEventDraft? Second, JsonDocument Payloads);
}
