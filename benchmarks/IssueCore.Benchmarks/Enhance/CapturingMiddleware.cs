using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using IssueCore.Agents;

namespace IssueCore.Benchmarks.Enhance;

/// <summary>Keeps a copy of the last input each agent received, so the baseline can replay the same script inputs.</summary>
public sealed class CapturingMiddleware : IAgentMiddleware
{
    public ConcurrentDictionary<string, JsonNode?> Inputs { get; } = new(StringComparer.Ordinal);

    public ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken)
    {
        Inputs[invocation.AgentName] = invocation.Input?.DeepClone();
        return next(invocation, cancellationToken);
    }
}
