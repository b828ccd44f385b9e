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
    /// The payload of this step's <c>step.started</c> event when its key is its path (outside loops and fan-outs): the same
    /// on every run of the plan, so built by <paramref name="build"/> once and shared. The element is immutable.
    /// </summary>
    public JsonElement StartedPayload(Func<StepNode, string, JsonElement> build)
    {
        var cached = Volatile.Read(ref _startedPayload);
        if (cached is null)
        {
            cached = new StrongBox<JsonElement>(build(this, Path));
            Volatile.Write(ref _startedPayload, cached); // a race builds it twice, harmlessly
        }

        return cached.Value;
    }
}
