using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>A Blueprint store whose database may stop answering (see <see cref="Stall"/>).</summary>
internal sealed class StallingBlueprintStore(IBlueprintStore inner, Stall stall) : IBlueprintStore
{
    public async Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(ReadHeadAsync), cancellationToken);
        return await inner.ReadHeadAsync(id, cancellationToken);
    }

    public async Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(ReadVersionAsync), cancellationToken);
        return await inner.ReadVersionAsync(id, version, cancellationToken);
    }

    public async Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(WriteNewAsync), cancellationToken);
        return await inner.WriteNewAsync(id, blueprint, parents, metadata, cancellationToken);
    }

    public async Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(HistoryAsync), cancellationToken);
        return await inner.HistoryAsync(id, limit, cancellationToken);
    }

    public async Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(ReadCommitAsync), cancellationToken);
        return await inner.ReadCommitAsync(id, version, cancellationToken);
    }

    public async Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(FindCommitByIssueAsync), cancellationToken);
        return await inner.FindCommitByIssueAsync(id, issueId, cancellationToken);
    }

    public IAsyncEnumerable<BlueprintId> ListIdsAsync(CancellationToken cancellationToken = default) => inner.ListIdsAsync(cancellationToken);

    public async Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(SetArchivedAsync), cancellationToken);
        await inner.SetArchivedAsync(id, archived, cancellationToken);
    }

    public async Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(IsArchivedAsync), cancellationToken);
        return await inner.IsArchivedAsync(id, cancellationToken);
    }
}
