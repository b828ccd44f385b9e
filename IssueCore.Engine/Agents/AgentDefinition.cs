namespace IssueCore.Agents;

/// <summary>A validated entry of a Blueprint's <c>agents</c> array.</summary>
internal sealed record AgentDefinition(string Name, AgentKind Kind, string? FnId, string? Source, string Path);
