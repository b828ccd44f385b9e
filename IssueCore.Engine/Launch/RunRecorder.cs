using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Council;
using IssueCore.Flows;
using Microsoft.Extensions.Logging;

namespace IssueCore.Launch;

/// <summary>
/// The record stage, run alongside execution: appends one event per step start, completion and failure and one
/// per finished wave (with a ctx snapshot), and writes node states back with <c>UpdateGraph</c> as steps finish.
/// Event-append failures are logged and do not stop the run; graph failures do (a resume needs the graph).
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
        => AppendAsync(wave, RunEventKinds.StepStarted, node, new JsonObject { ["node"] = node.Path, ["key"] = key, ["agent"] = node.AgentRef }, cancellationToken);

    public async ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, CancellationToken cancellationToken)
    {
        _completed[key] = output?.DeepClone();
        await WriteGraphAsync(
            g => g.Nodes[key] = new JsonObject { ["node"] = node.Path, ["wave"] = wave, ["done"] = true, ["output"] = output?.DeepClone() },
            cancellationToken).ConfigureAwait(false);
        await AppendAsync(wave, RunEventKinds.StepCompleted, node, new JsonObject { ["node"] = node.Path, ["key"] = key, ["agent"] = node.AgentRef }, cancellationToken).ConfigureAwait(false);
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

        var snapshot = ctx.DeepClone();
        await WriteGraphAsync(
            g =>
            {
                g.Root["context"] = snapshot.DeepClone();
                g.NextWave = wave + 1;
            },
            cancellationToken).ConfigureAwait(false);
        await AppendAsync(wave, RunEventKinds.WaveCompleted, null, new JsonObject { ["ctx"] = snapshot }, cancellationToken).ConfigureAwait(false);
    }

    public Task CompleteAsync(JsonObject finalContext, CancellationToken cancellationToken)
        => WriteGraphAsync(
            g =>
            {
                g.Root["context"] = finalContext.DeepClone();
                g.Root["final_context"] = finalContext.DeepClone();
            },
            cancellationToken);

    public async Task WriteGraphAsync(Action<RunGraph> change, CancellationToken cancellationToken)
    {
        await _graphLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            change(_graph);
            await _repository.UpdateGraphAsync(_runId, _graph.ToElement(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _graphLock.Release();
        }
    }

    private async ValueTask AppendAsync(int wave, string kind, StepNode? node, JsonObject payload, CancellationToken cancellationToken)
    {
        try
        {
            await _repository.AppendEventAsync(
                new CouncilRunEventDraft(_runId, wave, kind, node?.Path, JsonSerializer.SerializeToElement(payload)),
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
