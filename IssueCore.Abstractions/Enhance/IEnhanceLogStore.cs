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

    /// <summary>Returns the entry of the issue's latest logged round.</summary>
    /// <exception cref="NotFoundException">There is none.</exception>
    async Task<EnhanceLogEntry> GetAsync(IssueId issueId, CancellationToken cancellationToken = default)
        => await FindAsync(issueId, cancellationToken).ConfigureAwait(false)
           ?? throw new NotFoundException("enhance log entry", issueId.Value);
}
