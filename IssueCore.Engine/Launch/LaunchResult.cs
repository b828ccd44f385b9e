using System.Text.Json.Nodes;
using IssueCore.Council;
using IssueCore.Security;

namespace IssueCore.Launch;

/// <summary>A finished run: its id, its final ctx and the capability token for later operations on it.</summary>
public sealed record LaunchResult
{
    /// <summary>The run id (also the task id in <see cref="Token"/>).</summary>
    public required CouncilRunId RunId { get; init; }

    /// <summary>The ctx after the last step.</summary>
    public required JsonObject FinalContext { get; init; }

    /// <summary>The capability token for the run, valid until the run's TTL expires.</summary>
    public required CapToken Token { get; init; }
}
