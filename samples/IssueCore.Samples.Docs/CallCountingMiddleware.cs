using System.Text.Json.Nodes;
using IssueCore.Agents;

namespace IssueCore.Samples.Docs;

// snippet: agent-middleware
/// <summary>Middleware wraps every agent call (Lua and host alike), in registration order.</summary>
public sealed class CallCountingMiddleware : IAgentMiddleware
{
    private int _calls;

    /// <summary>How many agent calls went through this middleware.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <inheritdoc />
    public ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return next(invocation, cancellationToken);
    }
}
// endsnippet
