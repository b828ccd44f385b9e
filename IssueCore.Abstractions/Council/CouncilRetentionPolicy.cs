namespace IssueCore.Council;

/// <summary>
/// Which finished runs <see cref="ICouncilRepository.PurgeFinishedRunsAsync"/> deletes: those that finished (last changed)
/// before <see cref="FinishedBefore"/>, and those beyond the newest <see cref="KeepLatest"/> finished runs. A run matching
/// neither rule is kept, so a policy with both rules off deletes nothing.
/// </summary>
public sealed record CouncilRetentionPolicy
{
    /// <summary>
    /// Finished runs whose <see cref="CouncilRun.UpdatedAt"/> is strictly before this instant are deleted;
    /// <see langword="null"/> (the default) turns the rule off.
    /// </summary>
    public DateTimeOffset? FinishedBefore { get; init; }

    /// <summary>
    /// How many finished runs to keep, newest first by <see cref="CouncilRun.CreatedAt"/> (the order of
    /// <see cref="ICouncilRepository.ListRunsAsync"/>); older finished runs are deleted. <see langword="null"/> (the default)
    /// turns the rule off; 0 deletes every finished run.
    /// </summary>
    public int? KeepLatest { get; init; }

    /// <summary>The most runs one call deletes, so one call holds the store briefly. Default: 1,000.</summary>
    public int MaxRunsPerCall { get; init; } = 1_000;

    /// <summary>Throws when a member is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A member is out of range.</exception>
    public void Validate()
    {
        if (KeepLatest is { } keep)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(keep, nameof(KeepLatest));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRunsPerCall, nameof(MaxRunsPerCall));
    }
}
