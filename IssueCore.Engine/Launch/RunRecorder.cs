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
/// (the plan) is written once when the run starts and once more with the final ctx; in between, every step start,
/// completion (with the step's output) and failure, and every finished wave, is one small event. A sequential step's
/// completion and its wave's end are appended together, in one batch. Resume, rewind and reads of the ctx rebuild the
/// run from those events (see <see cref="RecordedRun"/>).
/// </summary>
/// <remarks>
/// Event-append failures are logged and do not stop the run (a step whose completion was not recorded runs again on a
/// resume); a failure to write the graph does.
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

    public RunRecorder(ICouncilRepository repository, ILogger logger, CouncilRunId runId, RunGraph graph, RecordedRun recorded)
    {
        _repository = repository;
        _logger = logger;
        _runId = runId;
        _graph = graph;
        _recorded = recorded;
        _lastRecordedWave = recorded.LastWave;
    }

    public RunGraph Graph => _graph;

    public bool TryGetCompleted(string key, out JsonNode? output) => _recorded.TryGetOutput(key, out output);

    public ValueTask StepStartedAsync(string key, StepNode node, int wave, CancellationToken cancellationToken)
        => AppendAsync(RunEventKinds.StepStarted, Payloads(node, key, writeOutput: false, output: null, waveEnd: false), wave, node, cancellationToken);

    public ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, JsonObject? waveContext, CancellationToken cancellationToken)
    {
        // Serialised now, before the interpreter goes on and the ctx (which may hold the output) changes.
        var endsWave = waveContext is not null && wave > _lastRecordedWave;
        return AppendAsync(RunEventKinds.StepCompleted, Payloads(node, key, writeOutput: true, output, endsWave), wave, node, cancellationToken);
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

        return AppendAsync(RunEventKinds.StepFailed, JsonDocument.Parse(buffer.WrittenMemory, RecordOptions), wave, node, cancellationToken);
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

        return AppendAsync(RunEventKinds.WaveCompleted, JsonDocument.Parse(buffer.WrittenMemory), wave, null, cancellationToken);
    }

    /// <summary>Adds the final ctx to the graph and writes it (the run's second and last graph write).</summary>
    public Task CompleteAsync(JsonObject finalContext, CancellationToken cancellationToken)
    {
        _graph.SetFinalContext(finalContext);
        return WriteGraphAsync(cancellationToken);
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
    /// Appends the event of <paramref name="kind"/> (the document's first element) and, when the document holds a second
    /// element, the <c>wave.completed</c> event of the same wave, in one batch; the document is disposed once appended.
    /// </summary>
    private async ValueTask AppendAsync(string kind, JsonDocument payloads, int wave, StepNode? node, CancellationToken cancellationToken)
    {
        using (payloads)
        {
            var root = payloads.RootElement;
            var first = new CouncilRunEventDraft(_runId, wave, kind, node?.Path, root[0]);
            try
            {
                // Through the batch member even for one event: stores need not hand a stored copy back.
                CouncilRunEventDraft[] drafts = root.GetArrayLength() == 1
                    ? [first]
                    : [first, new CouncilRunEventDraft(_runId, wave, RunEventKinds.WaveCompleted, null, root[1])];
                await _repository.AppendEventsAsync(drafts, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                LaunchLog.EventAppendFailed(_logger, ex, kind, _runId.Value);
            }
        }
    }
}
