using System.Text.Json.Nodes;
using IssueCore.Council;

namespace IssueCore.Agents;

/// <summary>One call of an agent by a flow step.</summary>
public sealed record AgentInvocation
{
    /// <summary>The agent's name (the step's <c>ref</c>).</summary>
    public required string AgentName { get; init; }

    /// <summary>The step's input, selected from the ctx by its <c>in</c> selector (a detached copy).</summary>
    public JsonNode? Input { get; init; }

    /// <summary>The run the step belongs to.</summary>
    public required CouncilRunId RunId { get; init; }

    /// <summary>The step node's path inside the Blueprint, for example <c>$.flow.children[0]</c>.</summary>
    public required string NodePath { get; init; }

    /// <summary>When the run's TTL expires; the agent should finish before then.</summary>
    public DateTimeOffset? Deadline { get; init; }
}
