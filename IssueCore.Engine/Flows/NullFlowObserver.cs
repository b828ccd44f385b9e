using System.Text.Json.Nodes;

namespace IssueCore.Flows;

/// <summary>An observer that records nothing and replays nothing.</summary>
internal sealed class NullFlowObserver : IFlowObserver
{
    public static NullFlowObserver Instance { get; } = new();

    public bool TryGetCompleted(string key, out JsonNode? output)
    {
        output = null;
        return false;
    }

    public ValueTask StepStartedAsync(string key, StepNode node, int wave, bool inBranch, CancellationToken cancellationToken) => default;

    public ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, JsonObject? waveContext, CancellationToken cancellationToken) => default;

    public ValueTask StepFailedAsync(string key, StepNode node, int wave, Exception error, CancellationToken cancellationToken) => default;

    public ValueTask WaveCompletedAsync(int wave, JsonObject ctx, CancellationToken cancellationToken) => default;
}
