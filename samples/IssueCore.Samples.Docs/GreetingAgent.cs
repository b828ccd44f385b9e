using System.Text.Json.Nodes;
using IssueCore.Agents;

namespace IssueCore.Samples.Docs;

// snippet: host-agent
/// <summary>A host agent: .NET code a flow step calls by name, with the step's input as JSON.</summary>
public sealed class GreetingAgent : IAgent
{
    /// <inheritdoc />
    public ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, CancellationToken cancellationToken)
    {
        var name = invocation.Input?["name"]?.GetValue<string>() ?? "world";
        return ValueTask.FromResult<JsonNode?>(new JsonObject { ["greeting"] = $"hello, {name}" });
    }
}
// endsnippet
