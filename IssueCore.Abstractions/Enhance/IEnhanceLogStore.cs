using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>
/// The append-only enhance log: one entry per dispatched issue and round (<see cref="EnhanceLogEntry.Round"/>: a
/// round begins each time an operator requeues the issue). An entry is never changed.
/// Lists are ascending by <see cref="EnhanceLogEntry.Timestamp"/>, ties in append order.
/// </summary>
public interface IEnhanceLogStore
{
    /// <summary>Appends an entry.</summary>
    /// <exception cref="ConflictException">An entry for the same issue and round exists; it is left untouched.</exception>
    Task AppendAsync(EnhanceLogEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Returns the entry of the issue's latest logged round, or <see langword="null"/>.</summary>
    Task<EnhanceLogEntry?> FindAsync(IssueId issueId, CancellationToken cancellationToken = default);

    /// <summary>Streams every entry for one series, ascending by timestamp (ties in append order).</summary>
    IAsyncEnumerable<EnhanceLogEntry> ListByBlueprintAsync(BlueprintId blueprintId, CancellationToken cancellationToken = default);

    /// <summary>Streams every entry, ascending by timestamp (ties in append order).</summary>
    IAsyncEnumerable<EnhanceLogEntry> ListAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the entries that come after the entry <paramref name="after"/> in the log's order (ascending by timestamp,
    /// ties in append order), every entry when <see langword="null"/>; only those of <paramref name="blueprintId"/> when
    /// given. Keyset paging: the store finds the entry by its key and starts after it, so a page's cost does not depend on
    /// its position. Stores written before this member existed walk the whole list up to the entry.
    /// </summary>
    /// <exception cref="NotFoundException">No entry has the key <paramref name="after"/> (raised when the stream is read).</exception>
    IAsyncEnumerable<EnhanceLogEntry> ListAfterAsync(BlueprintId? blueprintId, EnhanceLogKey? after, CancellationToken cancellationToken = default)
    {
        var all = blueprintId is { } id ? ListByBlueprintAsync(id, cancellationToken) : ListAllAsync(cancellationToken);
        return after is { } key
            ? IssueCore.Paging.KeysetFallback.After(all, e => e.IssueId == key.IssueId && e.Round == key.Round, "enhance log entry", key.IssueId.Value, cancellationToken)
            : all;
    }

    /// <summary>Returns the entry of the issue's latest logged round.</summary>
    /// <exception cref="NotFoundException">There is none.</exception>
    async Task<EnhanceLogEntry> GetAsync(IssueId issueId, CancellationToken cancellationToken = default)
        => await FindAsync(issueId, cancellationToken).ConfigureAwait(false)
           ?? throw new NotFoundException("enhance log entry", issueId.Value);
}
