using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Council;
using IssueCore.Flows;
using IssueCore.Json;
using Microsoft.Extensions.Logging;

namespace IssueCore.Launch;

/// <summary>
/// The record stage, run alongside execution: appends one event per step start, completion and failure and one
/// per finished wave (with a ctx snapshot), and writes node states back with <c>UpdateGraph</c> as steps finish.
/// Event-append failures are logged and do not stop the run; graph failures do (a resume needs the graph).
/// A step that is a wave of its own has its state and the wave's end written in one graph write.
/// </summary>
internal sealed class RunRecorder : IFlowObserver, IDisposable
{
    private readonly ICouncilRepository _repository;
    private readonly ILogger _logger;
    private readonly CouncilRunId _runId;
    private readonly RunGraph _graph;
    private readonly SemaphoreSlim _graphLock = new(1, 1);
    private readonly ConcurrentDictionary<string, JsonNode?> _completed = new(StringComparer.Ordinal);
    private readonly int _lastRecordedWave;

    public RunRecorder(ICouncilRepository repository, ILogger logger, CouncilRunId runId, RunGraph graph)
    {
        _repository = repository;
        _logger = logger;
        _runId = runId;
        _graph = graph;
        _lastRecordedWave = graph.NextWave - 1;
        foreach (var (key, state) in graph.Nodes)
        {
            if (state?["done"]?.GetValue<bool>() == true)
            {
                _completed[key] = state["output"]?.DeepClone();
            }
        }
    }

    public RunGraph Graph => _graph;

    public void Dispose() => _graphLock.Dispose();

    public bool TryGetCompleted(string key, out JsonNode? output)
    {
        if (_completed.TryGetValue(key, out var recorded))
        {
            output = recorded?.DeepClone();
            return true;
        }

        output = null;
        return false;
    }

    public ValueTask StepStartedAsync(string key, StepNode node, int wave, CancellationToken cancellationToken)
        => AppendAsync(wave, RunEventKinds.StepStarted, node, StepPayload(node, key), cancellationToken);

    public async ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, JsonObject? waveContext, CancellationToken cancellationToken)
    {
        // Serialised now, before the interpreter goes on and the ctx (which may hold the output) changes.
        var state = NodeState(node.Path, wave, output);
        if (waveContext is null || wave <= _lastRecordedWave)
        {
            await WriteGraphAsync(g => g.SetNodeState(key, wave, state), cancellationToken).ConfigureAwait(false);
            await AppendAsync(wave, RunEventKinds.StepCompleted, node, StepPayload(node, key), cancellationToken).ConfigureAwait(false);
            if (waveContext is not null)
            {
                await WaveCompletedAsync(wave, waveContext, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        // A step that is a wave of its own: one graph write records both the step's state and the wave's end, before
        // either event is appended (as when they were written one after the other, an event never names more than the
        // stored graph holds).
        var snapshot = RecordJson.SerializeToUtf8Bytes(waveContext);
        await WriteGraphAsync(
            g =>
            {
                g.SetNodeState(key, wave, state);
                g.SetContext(snapshot);
                g.NextWave = wave + 1;
            },
            cancellationToken).ConfigureAwait(false);
        await AppendAsync(wave, RunEventKinds.StepCompleted, node, StepPayload(node, key), cancellationToken).ConfigureAwait(false);
        await AppendAsync(wave, RunEventKinds.WaveCompleted, null, SnapshotPayload(snapshot), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask StepFailedAsync(string key, StepNode node, int wave, Exception error, CancellationToken cancellationToken)
        => AppendAsync(
            wave,
            RunEventKinds.StepFailed,
            node,
            new JsonObject { ["node"] = node.Path, ["key"] = key, ["agent"] = node.AgentRef, ["error"] = FlowInterpreter.ErrorRecord(error, node.Path) },
            cancellationToken);

    public async ValueTask WaveCompletedAsync(int wave, JsonObject ctx, CancellationToken cancellationToken)
    {
        if (wave <= _lastRecordedWave)
        {
            return; // replayed during a resume or rewind: its events are already recorded
        }

        var snapshot = RecordJson.SerializeToUtf8Bytes(ctx); // one serialisation serves the graph and the event
        await WriteGraphAsync(
            g =>
            {
                g.SetContext(snapshot);
                g.NextWave = wave + 1;
            },
            cancellationToken).ConfigureAwait(false);
        await AppendAsync(wave, RunEventKinds.WaveCompleted, null, SnapshotPayload(snapshot), cancellationToken).ConfigureAwait(false);
    }

    public Task CompleteAsync(JsonObject finalContext, CancellationToken cancellationToken)
    {
        var final = RecordJson.SerializeToUtf8Bytes(finalContext);
        return WriteGraphAsync(
            g =>
            {
                g.SetContext(final);
                g.SetFinalContext(final);
            },
            cancellationToken);
    }

    public async Task WriteGraphAsync(Action<RunGraph> change, CancellationToken cancellationToken)
    {
        await _graphLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            change(_graph);
            using var graph = _graph.ToDocument();
            await _repository.UpdateGraphAsync(_runId, graph.RootElement, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _graphLock.Release();
        }
    }

    /// <summary>The serialised node state <c>{"node", "wave", "done": true, "output"}</c>.</summary>
    private static byte[] NodeState(string path, int wave, JsonNode? output)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, RecordJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("node", path);
            writer.WriteNumber("wave", wave);
            writer.WriteBoolean("done", true);
            writer.WritePropertyName("output");
            if (output is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                output.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A step event's payload <c>{"node", "key", "agent"}</c>, to be disposed once appended.</summary>
    private static JsonDocument StepPayload(StepNode node, string key)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, RecordJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("node", node.Path);
            writer.WriteString("key", key);
            writer.WriteString("agent", node.AgentRef);
            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory, RecordJson.DocumentOptions);
    }

    /// <summary>The wave event's payload <c>{"ctx": snapshot}</c>, to be disposed once appended.</summary>
    private static JsonDocument SnapshotPayload(byte[] snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>(snapshot.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, RecordJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("ctx");
            writer.WriteRawValue(snapshot, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory, RecordJson.DocumentOptions);
    }

    private ValueTask AppendAsync(int wave, string kind, StepNode? node, JsonObject payload, CancellationToken cancellationToken)
        => AppendAsync(wave, kind, node, JsonSerializer.SerializeToElement(payload), cancellationToken);

    /// <summary>Appends an event whose payload document is disposed once the repository has it (it reads it during the call).</summary>
    private async ValueTask AppendAsync(int wave, string kind, StepNode? node, JsonDocument payload, CancellationToken cancellationToken)
    {
        using (payload)
        {
            await AppendAsync(wave, kind, node, payload.RootElement, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask AppendAsync(int wave, string kind, StepNode? node, JsonElement payload, CancellationToken cancellationToken)
    {
        try
        {
            await _repository.AppendEventAsync(
                new CouncilRunEventDraft(_runId, wave, kind, node?.Path, payload),
                cancellationToken).ConfigureAwait(false);
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
