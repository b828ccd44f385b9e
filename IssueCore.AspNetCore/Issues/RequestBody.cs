using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace IssueCore.AspNetCore.Issues;

/// <summary>Reads and pre-checks a JSON request body.</summary>
internal static class RequestBody
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = IssueCore.Json.JsonLimits.MaxRecordDepth, // as ingestion reads it: a patch too deep is refused there with its path
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>Whether the content type is JSON (<c>application/json</c> or <c>+json</c>) in UTF-8.</summary>
    public static bool IsJson(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.MediaType.HasValue)
        {
            return false;
        }

        var type = mediaType.MediaType.Value;
        var json = type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                   || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        var charset = mediaType.Charset;
        return json && (!charset.HasValue || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads the body into a pooled buffer of at most <paramref name="maxBytes"/> bytes. The limit is
    /// enforced on the stream itself, so a missing or false <c>Content-Length</c> does not matter.
    /// </summary>
    /// <returns>The buffer and length, or <see langword="null"/> when the body is larger than the limit. Return the buffer to <see cref="ArrayPool{T}.Shared"/>.</returns>
    public static async Task<(byte[] Buffer, int Length)?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            var length = 0;
            while (length <= maxBytes)
            {
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, maxBytes + 1 - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }

            ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Whether the bytes are valid UTF-8 and well-formed JSON; otherwise why not.</summary>
    public static string? WhyMalformed(ReadOnlySpan<byte> utf8Json)
    {
        if (!Utf8.IsValid(utf8Json))
        {
            return "The body is not valid UTF-8.";
        }

        try
        {
            var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
            while (reader.Read())
            {
                // Reading every token is the whole check.
            }

            return null;
        }
        catch (JsonException ex)
        {
            return $"The body is not well-formed JSON: {ex.Message}";
        }
    }
}
