using System.Runtime.CompilerServices;

namespace IssueCore.Paging;

/// <summary>
/// The default bodies of the ports' "list after a key" members for stores written before those members existed: they
/// walk the whole stream up to the key. Stores override them with a query that starts after the key.
/// </summary>
internal static class KeysetFallback
{
    /// <summary>The items after the first one <paramref name="isKey"/> matches; <see cref="NotFoundException"/> when none does.</summary>
    public static async IAsyncEnumerable<T> After<T>(IAsyncEnumerable<T> source, Func<T, bool> isKey, string kind, string key, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var found = false;
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (found)
            {
                yield return item;
            }
            else
            {
                found = isKey(item);
            }
        }

        if (!found)
        {
            throw new NotFoundException(kind, key);
        }
    }

    /// <summary>The items for which <paramref name="keep"/> holds, in stream order.</summary>
    public static async IAsyncEnumerable<T> Where<T>(IAsyncEnumerable<T> source, Func<T, bool> keep, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (keep(item))
            {
                yield return item;
            }
        }
    }
}
