using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.AspNetCore.Tests.Operator;

/// <summary>Forwards to a store and counts the series ids its list streams yield.</summary>
internal sealed class CountingBlueprintStore(IBlueprintStore inner, YieldCounter counter) : IBlueprintStore
{
    public Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default) => inner.ReadHeadAsync(id, cancellationToken);

    public Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default) => inner.ReadVersionAsync(id, version, cancellationToken);

    public Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default)
        => inner.WriteNewAsync(id, blueprint, parents, metadata, cancellationToken);

    public Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default) => inner.HistoryAsync(id, limit, cancellationToken);

    public Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default) => inner.ReadCommitAsync(id, version, cancellationToken);

    public Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default) => inner.FindCommitByIssueAsync(id, issueId, cancellationToken);

    public IAsyncEnumerable<BlueprintId> ListIdsAsync(CancellationToken cancellationToken = default) => counter.Count(inner.ListIdsAsync(cancellationToken), cancellationToken);

    public IAsyncEnumerable<BlueprintId> ListIdsAfterAsync(BlueprintId? after, CancellationToken cancellationToken = default) => counter.Count(inner.ListIdsAfterAsync(after, cancellationToken), cancellationToken);

    public Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default) => inner.SetArchivedAsync(id, archived, cancellationToken);

    public Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default) => inner.IsArchivedAsync(id, cancellationToken);
}
