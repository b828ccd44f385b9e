using System.Text.Json.Nodes;

namespace IssueCore.Scripting;

/// <summary>One script call: which script, with what input, under which budget.</summary>
public sealed record ScriptInvocation
{
    /// <summary>A name for errors and traces (the agent or step name).</summary>
    public required string Name { get; init; }

    /// <summary>A script registered with the executor under this function id. Exactly one of <see cref="FnId"/> and <see cref="Source"/> is set.</summary>
    public string? FnId { get; init; }

    /// <summary>Inline Lua source, compiled and cached by its content hash.</summary>
    public string? Source { get; init; }

    /// <summary>The input, available to the script as the global <c>_CTX</c>.</summary>
    public JsonNode? Input { get; init; }

    /// <summary>Per-call limits; <see langword="null"/> uses the executor's defaults.</summary>
    public ScriptBudget? Budget { get; init; }

    /// <summary>An absolute deadline (the flow's TTL), checked alongside the budget.</summary>
    public DateTimeOffset? Deadline { get; init; }
}
