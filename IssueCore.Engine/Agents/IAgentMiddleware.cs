using System.Text.Json.Nodes;

namespace IssueCore.Agents;

/// <summary>
/// Wraps every agent call (logging, tracing, input injection, redaction, policy…). Middleware registered
/// in DI (<c>services.AddIssueCoreAgentMiddleware&lt;T&gt;()</c>) runs in registration order, the first
/// registered outermost; the built-in tracing and logging middleware come first.
/// </summary>
public interface IAgentMiddleware
{
    /// <summary>Handles one agent call; call <paramref name="next"/> to continue, or return without it to short-circuit.</summary>
    /// <param name="invocation">The call.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <param name="cancellationToken">Cancelled when the run is cancelled or its TTL expires.</param>
    /// <returns>The output to hand back to the step.</returns>
    ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken);
}
