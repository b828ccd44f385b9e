namespace IssueCore.Council;

/// <summary>The legal status transitions of a flow run. Every <see cref="ICouncilRepository"/> enforces them.</summary>
public static class CouncilRunStatusTransitions
{
    /// <summary>Whether the status is terminal (completed, failed or cancelled): a terminal run does not move.</summary>
    public static bool IsTerminal(this CouncilRunStatus status)
        => status is CouncilRunStatus.Completed or CouncilRunStatus.Failed or CouncilRunStatus.Cancelled;

    /// <summary>
    /// Whether a run may move from <paramref name="from"/> to <paramref name="to"/>. Running may move
    /// anywhere; awaiting-approval and interrupted runs may run again or end; a terminal run does not
    /// move. Writing the same status again is allowed (idempotent) except for terminal ones.
    /// </summary>
    public static bool CanTransition(CouncilRunStatus from, CouncilRunStatus to) => from switch
    {
        _ when from.IsTerminal() => false,
        CouncilRunStatus.Running => true,
        CouncilRunStatus.AwaitingApproval => to is CouncilRunStatus.Running or CouncilRunStatus.AwaitingApproval or CouncilRunStatus.Cancelled or CouncilRunStatus.Failed or CouncilRunStatus.Interrupted,
        CouncilRunStatus.Interrupted => to is CouncilRunStatus.Running or CouncilRunStatus.Interrupted or CouncilRunStatus.Cancelled or CouncilRunStatus.Failed,
        _ => false,
    };

    /// <summary>Throws when the transition is not legal.</summary>
    /// <exception cref="ConflictException">The transition is not legal.</exception>
    public static void EnsureCanTransition(CouncilRunId runId, CouncilRunStatus from, CouncilRunStatus to)
    {
        if (!CanTransition(from, to))
        {
            throw new ConflictException($"Run '{runId}' cannot move from {from} to {to}.", expected: "a non-terminal status", actual: from.ToString());
        }
    }
}
