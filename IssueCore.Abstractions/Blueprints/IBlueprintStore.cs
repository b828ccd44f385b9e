using IssueCore.Issues;

namespace IssueCore.Blueprints;

/// <summary>
/// Content-addressed, versioned Blueprint storage. Each series has a head; <see cref="WriteNewAsync"/>
/// is a compare-and-swap on it, so a series' history is one chain.
/// </summary>
public interface IBlueprintStore
{
    /// <summary>Reads the head (newest) version of a series.</summary>
    /// <exception cref="NotFoundException">The series does not exist.</exception>
    Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default);

    /// <summary>Reads one version of a series.</summary>
    /// <exception cref="NotFoundException">The series or the version does not exist.</exception>
    Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a new version on top of the current head (compare-and-swap). <paramref name="parents"/>
    /// must contain the current head, or be empty when the series does not exist yet.
    /// </summary>
    /// <remarks>
    /// Writing content identical to the current head (with the head among the parents) writes
    /// nothing and returns the head: the version is the content. Content equal to an older version
    /// cannot be written again (a content-addressed chain cannot revisit a node).
    /// </remarks>
    /// <returns>The stored value with its trace.</returns>
    /// <exception cref="ConflictException">
    /// The head moved (the parents do not contain it), the series exists and no parent was given,
    /// the content equals an older version, or <see cref="CommitMetadata.IssueId"/> already committed
    /// in this series. Nothing was written.
    /// </exception>
    /// <exception cref="ArchivedSeriesException">The series is archived. Nothing was written.</exception>
    Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default);

    /// <summary>Returns up to <paramref name="limit"/> commits of a series, newest first.</summary>
    /// <exception cref="NotFoundException">The series does not exist.</exception>
    Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default);

    /// <summary>Reads the commit record (rationale, epoch, issue id, timestamp, parents) of one version.</summary>
    /// <exception cref="NotFoundException">The series or the version does not exist.</exception>
    Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default);

    /// <summary>Returns the commit an issue produced in a series, or <see langword="null"/> when it produced none.</summary>
    Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default);

    /// <summary>Lists every series id in ordinal order (archived ones included).</summary>
    IAsyncEnumerable<BlueprintId> ListIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the series ids that sort after <paramref name="after"/> in ordinal order (every id when
    /// <see langword="null"/>), archived ones included: keyset paging, so a page's cost does not depend on its position.
    /// <paramref name="after"/> need not name a series that exists. Stores written before this member existed walk
    /// <see cref="ListIdsAsync"/> from the start.
    /// </summary>
    IAsyncEnumerable<BlueprintId> ListIdsAfterAsync(BlueprintId? after, CancellationToken cancellationToken = default)
        => after is { } key
            ? IssueCore.Paging.KeysetFallback.Where(ListIdsAsync(cancellationToken), id => string.CompareOrdinal(id.Value, key.Value) > 0, cancellationToken)
            : ListIdsAsync(cancellationToken);

    /// <summary>
    /// Lists series ids in ordinal order; archived series only when <paramref name="includeArchived"/> is
    /// <see langword="true"/>. The default implementation filters <see cref="ListIdsAsync(CancellationToken)"/> with
    /// <see cref="IsArchivedAsync"/>.
    /// </summary>
    async IAsyncEnumerable<BlueprintId> ListSeriesAsync(bool includeArchived, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var id in ListIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (includeArchived)
            {
                yield return id;
                continue;
            }

            bool archived;
            try
            {
                archived = await IsArchivedAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                continue;
            }

            if (!archived)
            {
                yield return id;
            }
        }
    }

    /// <summary>
    /// Archives or unarchives a series. An archived series keeps its history and stays readable, but
    /// <see cref="WriteNewAsync"/> refuses it with <see cref="ArchivedSeriesException"/>, the dispatcher rejects its
    /// issues, and <see cref="ListSeriesAsync"/> hides it unless asked.
    /// </summary>
    /// <exception cref="NotFoundException">The series does not exist.</exception>
    Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default);

    /// <summary>Whether a series is archived.</summary>
    /// <exception cref="NotFoundException">The series does not exist.</exception>
    Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default);
}
