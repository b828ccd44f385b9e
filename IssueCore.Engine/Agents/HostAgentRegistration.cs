namespace IssueCore.Agents;

/// <summary>Records the name of a host agent registered with <c>AddIssueCoreAgent</c> (keyed services cannot be listed).</summary>
internal sealed record HostAgentRegistration(string Name);
