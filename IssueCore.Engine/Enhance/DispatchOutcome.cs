using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>What <see cref="EnhanceApplication.TickAsync"/> did with the issue it claimed.</summary>
public sealed record DispatchOutcome
{
    /// <summary>The claimed issue.</summary>
    public required IssueId IssueId { get; init; }

    /// <summary>The target series.</summary>
    public required BlueprintId BlueprintId { get; init; }

    /// <summary>How the dispatch ended.</summary>
    public required DispatchResult Result { get; init; }

    /// <summary>The committed version when <see cref="Result"/> is <see cref="DispatchResult.Applied"/>.</summary>
    public BlueprintVersion? NewVersion { get; init; }

    /// <summary>Why: the deny reasons when rejected, the error when failed, retrying or the lease was lost.</summary>
    public string? Reason { get; init; }

    /// <summary>The attempt this was (the issue's <see cref="Issue.Attempts"/> after the claim).</summary>
    public required int Attempt { get; init; }

    /// <summary>
    /// <see langword="true"/> when an earlier attempt had already committed or logged the outcome (it crashed before
    /// finishing its bookkeeping) and this dispatch only completed what was missing, without running the flow.
    /// </summary>
    public bool Recovered { get; init; }

    /// <summary>
    /// The flow run of the issue's latest dispatch (<see cref="Issue.RunId"/>): this dispatch's run when it started one,
    /// else the run of an earlier attempt, or <see langword="null"/> when no run was ever started for the issue.
    /// </summary>
    public IssueCore.Council.CouncilRunId? RunId { get; init; }
}
