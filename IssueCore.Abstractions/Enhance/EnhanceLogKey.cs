using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>
/// The key of one enhance log entry: its issue and round (the log holds at most one entry for each). Lists resume after
/// an entry by its key (<see cref="IEnhanceLogStore.ListAfterAsync"/>).
/// </summary>
/// <param name="IssueId">The entry's issue.</param>
/// <param name="Round">The entry's <see cref="EnhanceLogEntry.Round"/>.</param>
public readonly record struct EnhanceLogKey(IssueId IssueId, int Round)
{
    /// <summary>The key of <paramref name="entry"/>.</summary>
    public static EnhanceLogKey Of(EnhanceLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new EnhanceLogKey(entry.IssueId, entry.Round);
    }
}
