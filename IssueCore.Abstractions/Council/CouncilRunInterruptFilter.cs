namespace IssueCore.Council;

/// <summary>
/// Which <see cref="CouncilRunStatus.Running"/> runs <see cref="ICouncilRepository.MarkAbandonedRunsAsync"/>
/// takes for abandoned: those whose activity is older than <see cref="LastActivityBefore"/>, and those owned by one of
/// <see cref="AbandonedOwners"/>. A run matching neither rule is left alone, so an empty filter marks nothing.
/// </summary>
public sealed record CouncilRunInterruptFilter
{
    /// <summary>
    /// Runs whose <see cref="CouncilRun.UpdatedAt"/> is strictly before this instant are abandoned; <see langword="null"/>
    /// (the default) turns the rule off. Hosts pass now minus a timeout that is longer than the launchers' heartbeat.
    /// </summary>
    public DateTimeOffset? LastActivityBefore { get; init; }

    /// <summary>
    /// Owners (see <see cref="CouncilRun.Owner"/>) known to be dead, for example a process on this machine that no
    /// longer exists: their runs are abandoned whatever their activity. Empty by default.
    /// </summary>
    public IReadOnlyCollection<string> AbandonedOwners { get; init; } = [];
}
