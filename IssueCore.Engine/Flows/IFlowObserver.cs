using System.Text.Json.Nodes;

namespace IssueCore.Flows;

/// <summary>Receives the interpreter's progress (for recording) and supplies step outputs already recorded (for resume and rewind).</summary>
internal interface IFlowObserver
{
    /// <summary>Whether the step instance <paramref name="key"/> finished in an earlier attempt, with its output.</summary>
    bool TryGetCompleted(string key, out JsonNode? output);

    ValueTask StepStartedAsync(string key, StepNode node, int wave, CancellationToken cancellationToken);

    ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, CancellationToken cancellationToken);

    ValueTask StepFailedAsync(string key, StepNode node, int wave, Exception error, CancellationToken cancellationToken);

    /// <summary>A sequential wave finished; <paramref name="ctx"/> is the ctx at its end (read it, do not keep it).</summary>
    ValueTask WaveCompletedAsync(int wave, JsonObject ctx, CancellationToken cancellationToken);
}
