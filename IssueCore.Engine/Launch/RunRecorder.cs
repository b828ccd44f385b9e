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
    /// <summary>The largest buffer a run keeps for its next payload; a larger one (a large output) is dropped after use.</summary>
    private const int MaxSpareWriterBytes = 16 * 1024;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = JsonLimits.MaxRecordDepth };
    private static readonly JsonWriterOptions WriterOptions = new() { MaxDepth = JsonLimits.MaxRecordDepth, SkipValidation = true };

    /// <summary>The payload of <c>wave.completed</c>: <c>{}</c> (immutable, shared by every run).</summary>
    private static readonly JsonElement EmptyPayload = JsonElement.Parse("{}"u8);

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
    private List<Pending>? _spareBatch; // the last written batch, emptied, for the next one
    private bool _writingNow;
    private TaskCompletionSource? _writeDone; // made by whoever waits for the write in flight
    private PayloadWriter? _spareWriter;

    // Completion records serialised with their step's output, until the step's completion is reported: at most one per
    // step instance running at once.
    private readonly Dictionary<string, PreparedCompletion> _completions = new(StringComparer.Ordinal);

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
        // The start of a step outside any loop or fan-out branch says the same on every run of the plan: built once.
        JsonElement payload;
        if (!string.Equals(key, node.Path, StringComparison.Ordinal))
        {
            payload = BuildStartedPayload(node, key);
        }
        else if (node.CachedStartedPayload is { } cached)
        {
            payload = cached;
        }
        else
        {
            payload = BuildStartedPayload(node, key);
            node.CacheStartedPayload(payload);
        }

        Enqueue(RunEventKinds.StepStarted, payload, waveEnd: false, wave, node);

        // A sequential step's start is written before its agent runs (with the previous step's completion). A branch's start
        // goes with the run's next write, at the latest the branch's own completion: the branches of a fan-out start
        // together, and their starts carry nothing a resume needs.
        return inBranch ? ValueTask.CompletedTask : WritePendingAsync(cancellationToken);
    }

    public JsonNode? FreezeOutput(string key, StepNode node, JsonNode? returned)
    {
        // The completion record and the ctx share one serialisation: the ctx's node reads the record's "output".
        var payload = CompletionPayload(node, key, returned);
        var output = CtxValues.Over(payload.GetProperty("output"));
        lock (_lock)
        {
            _completions[key] = new PreparedCompletion(output, payload);
        }

        return output;
    }

    public ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, JsonObject? waveContext, CancellationToken cancellationToken)
    {
        // Serialised by FreezeOutput, before the interpreter went on and the ctx (which may hold the output) changed; an
        // output that came another way is serialised now.
        var endsWave = waveContext is not null && wave > _lastRecordedWave;
        PreparedCompletion prepared;
        bool found;
        lock (_lock)
        {
            found = _completions.Remove(key, out prepared);
        }

        var payload = found && ReferenceEquals(prepared.Output, output) ? prepared.Payload : CompletionPayload(node, key, output);
        Enqueue(RunEventKinds.StepCompleted, payload, endsWave, wave, node);

        // A sequential step's completion goes with the run's next write (the next step's start or the run's end); a
        // branch's is written now, shared with the other branches that finish meanwhile (or, when the options say so,
        // with the end of its wave).
        return waveContext is not null || !_recordEachBranchCompletion ? ValueTask.CompletedTask : WritePendingAsync(cancellationToken);
    }

    public ValueTask StepFailedAsync(string key, StepNode node, int wave, Exception error, CancellationToken cancellationToken)
    {
        var payload = new JsonObject { ["node"] = node.Path, ["key"] = key, ["agent"] = node.AgentRef, ["error"] = FlowInterpreter.ErrorRecord(error, node.Path) };
        var writer = RentWriter();
        payload.WriteTo(writer.Writer);
        Enqueue(RunEventKinds.StepFailed, Finish(writer), waveEnd: false, wave, node);
        return WritePendingAsync(cancellationToken);
    }

    public ValueTask WaveCompletedAsync(int wave, JsonObject ctx, CancellationToken cancellationToken)
    {
        if (wave <= _lastRecordedWave)
        {
            return ValueTask.CompletedTask; // replayed during a resume or rewind: its events are already recorded
        }

        var draft = new CouncilRunEventDraft(_runId, wave, RunEventKinds.WaveCompleted, null, EmptyPayload);
        lock (_lock)
        {
            _pending.Add(new Pending(draft, null));
        }

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

        ReleaseSpareWriter();
        var pending = await TakeAllAsync().ConfigureAwait(false);
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

    /// <summary>Writes the events still pending (before a failed or cancelled run's status is written); failures are logged.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        ReleaseSpareWriter();
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

    /// <summary>The payload of a step's completion: <c>{"node", "key", "agent", "output"}</c>.</summary>
    private JsonElement CompletionPayload(StepNode node, string key, JsonNode? output)
    {
        var writer = RentWriter();
        var w = writer.Writer;
        WriteStepMembers(w, node, key);
        w.WritePropertyName("output");
        if (output is null)
        {
            w.WriteNullValue();
        }
        else
        {
            output.WriteTo(w);
        }

        w.WriteEndObject();
        return Finish(writer);
    }

    /// <summary>The payload of a step's start: <c>{"node", "key", "agent"}</c>.</summary>
    private JsonElement BuildStartedPayload(StepNode node, string key)
    {
        var writer = RentWriter();
        WriteStepMembers(writer.Writer, node, key);
        writer.Writer.WriteEndObject();
        return Finish(writer);
    }

    /// <summary>Opens a step event's payload object with the members every step event has: <c>node</c>, <c>key</c>, <c>agent</c>.</summary>
    private static void WriteStepMembers(Utf8JsonWriter writer, StepNode node, string key)
    {
        writer.WriteStartObject();
        writer.WriteString("node", node.Path);
        writer.WriteString("key", key);
        writer.WriteString("agent", node.AgentRef);
    }

    /// <summary>The run's payload writer, or a new one while another caller (a fan-out branch) holds it.</summary>
    private PayloadWriter RentWriter() => Interlocked.Exchange(ref _spareWriter, null) ?? new PayloadWriter();

    /// <summary>
    /// The written payload as an element of its own, immutable document: repositories keep it without copying it (a clone of
    /// such an element is the element itself) and nothing needs disposing. The writer goes back for the next payload, unless
    /// an unusually large output grew its buffer past <see cref="MaxSpareWriterBytes"/>.
    /// </summary>
    private JsonElement Finish(PayloadWriter writer)
    {
        writer.Writer.Flush();
        var reader = new Utf8JsonReader(writer.Buffer.WrittenSpan, ReaderOptions);
        var payload = JsonElement.ParseValue(ref reader);
        if (writer.Buffer.Capacity <= MaxSpareWriterBytes)
        {
            writer.Buffer.Clear();
            writer.Writer.Reset();

            // One spare per run: a writer that finds another already kept (a fan-out branch's) gives its array back.
            Interlocked.Exchange(ref _spareWriter, writer)?.Dispose();
        }
        else
        {
            writer.Dispose();
        }

        return payload;
    }

    /// <summary>
    /// Queues the event of <paramref name="kind"/> and, when <paramref name="waveEnd"/> says so, the <c>wave.completed</c>
    /// event of the same wave right after it.
    /// </summary>
    private void Enqueue(string kind, JsonElement payload, bool waveEnd, int wave, StepNode node)
    {
        var first = new CouncilRunEventDraft(_runId, wave, kind, node.Path, payload);
        var second = waveEnd ? new CouncilRunEventDraft(_runId, wave, RunEventKinds.WaveCompleted, null, EmptyPayload) : null;
        lock (_lock)
        {
            _pending.Add(new Pending(first, second));
        }
    }

    /// <summary>
    /// Returns once every event queued before the call is written (or its write failed and was logged). One writer at a
    /// time: a caller that finds a write in flight waits for it, then writes whatever gathered meanwhile, its own events
    /// among them, as one batch. Only such a wait costs a task to wait on; a write nobody waits for costs none.
    /// </summary>
    private async ValueTask WritePendingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            List<Pending> batch;
            TaskCompletionSource? inFlight;
            lock (_lock)
            {
                if (_writingNow)
                {
                    inFlight = _writeDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    batch = null!;
                }
                else
                {
                    if (_pending.Count == 0)
                    {
                        return;
                    }

                    inFlight = null;
                    batch = TakePendingLocked();
                    _writingNow = true;
                }
            }

            if (inFlight is not null)
            {
                // Another branch is writing: what this caller queued is in that batch or in the next one.
                await inFlight.Task.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                continue;
            }

            try
            {
                await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                TaskCompletionSource? waiting;
                lock (_lock)
                {
                    _writingNow = false;
                    waiting = _writeDone;
                    _writeDone = null;
                    batch.Clear();
                    _spareBatch = batch;
                }

                waiting?.SetResult();
            }

            return;
        }
    }

    /// <summary>Waits for the write in flight, then takes every pending event (for the run's last write).</summary>
    private async Task<List<Pending>> TakeAllAsync()
    {
        while (true)
        {
            TaskCompletionSource inFlight;
            lock (_lock)
            {
                if (!_writingNow)
                {
                    return TakePendingLocked();
                }

                inFlight = _writeDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            await inFlight.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Takes the pending events and starts a new (or the spare) list; call under the lock.</summary>
    private List<Pending> TakePendingLocked()
    {
        var taken = _pending;
        _pending = _spareBatch ?? [];
        _spareBatch = null;
        return taken;
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

    /// <summary>A step's output as the ctx holds it and the completion record it was serialised into.</summary>
    private readonly record struct PreparedCompletion(JsonNode? Output, JsonElement Payload);

    /// <summary>One or two queued events.</summary>
    private readonly record struct Pending(CouncilRunEventDraft First, CouncilRunEventDraft? Second);

    /// <summary>Gives the spare payload writer's array back to the pool: the run has written its last payload.</summary>
    private void ReleaseSpareWriter() => Interlocked.Exchange(ref _spareWriter, null)?.Dispose();

    /// <summary>A payload's JSON writer over an array rented from the pool, so a run's payloads allocate only what they keep.</summary>
    private sealed class PayloadWriter : IDisposable
    {
        public PayloadWriter()
        {
            Writer = new Utf8JsonWriter(Buffer, WriterOptions);
        }

        public PooledUtf8Buffer Buffer { get; } = new(512);

        public Utf8JsonWriter Writer { get; }

        public void Dispose()
        {
            Writer.Dispose();
            Buffer.Dispose();
        }
    }
}
