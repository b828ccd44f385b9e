using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.AspNetCore.Tests.Operator;

/// <summary>Forwards to a log and counts the entries its list streams yield.</summary>
internal sealed class CountingEnhanceLogStore(IEnhanceLogStore inner, YieldCounter counter) : IEnhanceLogStore
{
    public Task AppendAsync(EnhanceLogEntry entry, CancellationToken cancellationToken = default) => inner.AppendAsync(entry, cancellationToken);

    public Task<EnhanceLogEntry?> FindAsync(IssueId issueId, CancellationToken cancellationToken = default) => inner.FindAsync(issueId, cancellationToken);

    public IAsyncEnumerable<EnhanceLogEntry> ListByBlueprintAsync(BlueprintId blueprintId, CancellationToken cancellationToken = default)
        => counter.Count(inner.ListByBlueprintAsync(blueprintId, cancellationToken), cancellationToken);

    public IAsyncEnumerable<EnhanceLogEntry> ListAllAsync(CancellationToken cancellationToken = default) => counter.Count(inner.ListAllAsync(cancellationToken), cancellationToken);

    public IAsyncEnumerable<EnhanceLogEntry> ListAfterAsync(BlueprintId? blueprintId, EnhanceLogKey? after, CancellationToken cancellationToken = default)
        => counter.Count(inner.ListAfterAsync(blueprintId, after, cancellationToken), cancellationToken);
}
