using System.Text.Json.Nodes;

namespace IssueCore.Agents;

/// <summary>The next stage of the agent middleware pipeline (the next middleware, or the agent itself).</summary>
/// <param name="invocation">The call, possibly changed by the middleware before it.</param>
/// <param name="cancellationToken">Cancelled when the run is cancelled or its TTL expires.</param>
/// <returns>The agent's output.</returns>
public delegate ValueTask<JsonNode?> AgentCallDelegate(AgentInvocation invocation, CancellationToken cancellationToken);
