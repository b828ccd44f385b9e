using System.Buffers.Text;
using System.Text;

namespace IssueCore.AspNetCore.Operator;

/// <summary>
/// The opaque <c>page</c> tokens of the operator list endpoints: the key of the last item of the previous page,
/// base64url-encoded behind a prefix. Keys, never offsets: a page starts after that item wherever it is now.
/// </summary>
internal static class PageCursor
{
    private const string Prefix = "op1.";

    public static string Encode(string key) => Prefix + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key));

    /// <summary>Decodes a token; <see langword="false"/> when it was not issued by these endpoints.</summary>
    public static bool TryDecode(string token, out string key)
    {
        key = string.Empty;
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 2048)
        {
            return false;
        }

        try
        {
            key = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length)));
            return key.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Takes one page from a stream that already starts after the previous page (the store's keyset query): at most
    /// <paramref name="limit"/> items, reading one more only to learn whether another page follows.
    /// </summary>
    /// <returns>The page and the next token (<see langword="null"/> on the last page).</returns>
    public static async Task<(List<T> Items, string? Next)> TakeAsync<T>(IAsyncEnumerable<T> source, Func<T, string> keyOf, int limit, CancellationToken cancellationToken)
    {
        var items = new List<T>(Math.Min(limit, 128));
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (items.Count == limit)
            {
                return (items, Encode(keyOf(items[^1])));
            }

            items.Add(item);
        }

        return (items, null);
    }
}
