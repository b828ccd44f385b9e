using System.Runtime.CompilerServices;

namespace IssueCore.AspNetCore.Tests.Operator;

/// <summary>Counts the items the endpoints pull from the stores' list streams.</summary>
internal sealed class YieldCounter
{
    private long _count;

    public long Total => Interlocked.Read(ref _count);

    public async IAsyncEnumerable<T> Count<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _count);
            yield return item;
        }
    }
}
