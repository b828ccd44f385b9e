using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Council;

namespace IssueCore.Launch;

/// <summary>What to launch, for whom, and for how long.</summary>
public sealed record LaunchRequest
{
    /// <summary>The flow Blueprint to run (its <c>flow</c> and <c>agents</c>).</summary>
    public required Blueprint Flow { get; init; }

    /// <summary>The ctx the flow starts with (copied; the caller's object is not changed).</summary>
    public required JsonObject InitialContext { get; init; }

    /// <summary>Who launches the run; recorded in the capability token.</summary>
    public required string OperatorId { get; init; }

    /// <summary>The caller's role (see <see cref="Security.Roles"/>); it must allow <c>launch</c>.</summary>
    public required string Role { get; init; }

    /// <summary>How long the run may take; <see langword="null"/> uses <see cref="IssueCoreOptions.DefaultTtl"/>. Also the token's lifetime.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>What the run is for (for example the issue id it dispatches); stored on the run.</summary>
    public string? Subject { get; init; }

    /// <summary>
    /// The run id to use; <see langword="null"/> generates one. Choosing it up front lets the caller cancel the run
    /// while <see cref="TaskLaunchService.LaunchAsync"/> is still awaiting it (with a token from <see cref="TaskLaunchService.IssueToken"/>).
    /// </summary>
    public CouncilRunId? RunId { get; init; }

    /// <summary>
    /// When set, the record stage writes the run's end (events and graph) but leaves its status <c>Running</c>, for the
    /// caller to move it on (to <c>AwaitingApproval</c> or <c>Completed</c>) once it has judged the outcome.
    /// </summary>
    internal bool HoldOpen { get; init; }
}
