using System.Text.Json.Nodes;

namespace IssueCore.Agents;

/// <summary>
/// A .NET agent a flow step can call. Register one by name with
/// <c>services.AddIssueCoreAgent&lt;T&gt;("name")</c>; a host agent with the same name as an agent a
/// Blueprint declares replaces it (this is how a host swaps in, for example, its own <c>patch-spawner</c>).
/// </summary>
public interface IAgent
{
    /// <summary>Runs the agent on its input and returns its output (<see langword="null"/> for JSON null).</summary>
    /// <param name="invocation">The agent name, input, run, node and deadline.</param>
    /// <param name="cancellationToken">Cancelled when the run is cancelled or its TTL expires.</param>
    /// <returns>The output, written into the ctx at the step's <c>out</c> path.</returns>
    /// <remarks>Throwing fails the step; a <c>try</c> node around it can catch the failure.</remarks>
    ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, CancellationToken cancellationToken);
}
