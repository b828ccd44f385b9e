using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>An enhance log store whose database may stop answering (see <see cref="Stall"/>).</summary>
internal sealed class StallingLogStore(IEnhanceLogStore inner, Stall stall) : IEnhanceLogStore
{
    public async Task AppendAsync(EnhanceLogEntry entry, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(AppendAsync), cancellationToken);
        await inner.AppendAsync(entry, cancellationToken);
    }

    public async Task<EnhanceLogEntry?> FindAsync(IssueId issueId, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(FindAsync), cancellationToken);
        return await inner.FindAsync(issueId, cancellationToken);
    }

    public IAsyncEnumerable<EnhanceLogEntry> ListByBlueprintAsync(BlueprintId blueprintId, CancellationToken cancellationToken = default)
        => inner.ListByBlueprintAsync(blueprintId, cancellationToken);

    public IAsyncEnumerable<EnhanceLogEntry> ListAllAsync(CancellationToken cancellationToken = default)
        => inner.ListAllAsync(cancellationToken);
}
