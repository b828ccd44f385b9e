namespace IssueCore.Agents;

/// <summary>How a Blueprint agent runs.</summary>
internal enum AgentKind
{
    /// <summary>A Lua script run by the script executor.</summary>
    Lua,

    /// <summary>A .NET <see cref="IAgent"/> registered by the host under the agent's name.</summary>
    Host,
}
