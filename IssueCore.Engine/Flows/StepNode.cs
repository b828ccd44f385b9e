using System.Runtime.CompilerServices;
using System.Text.Json;

namespace IssueCore.Flows;

internal sealed class StepNode(string path, string agentRef, Selector input, CtxPath? output) : FlowNode(path)
{
    private StrongBox<JsonElement>? _startedPayload;

    public string AgentRef { get; } = agentRef;

    public Selector Input { get; } = input;

    public CtxPath? Output { get; } = output;

    /// <summary>
    /// The payload of this step's <c>step.started</c> event when its key is its path (outside loops and fan-outs), once a run
    /// has built it: it is the same on every run of the plan. The element is immutable; <see langword="null"/> until cached.
    /// </summary>
    public JsonElement? CachedStartedPayload => Volatile.Read(ref _startedPayload)?.Value;

    /// <summary>Caches the payload <see cref="CachedStartedPayload"/> returns (a race caches one of two equal payloads, harmlessly).</summary>
    public void CacheStartedPayload(JsonElement payload) => Volatile.Write(ref _startedPayload, new StrongBox<JsonElement>(payload));
}
