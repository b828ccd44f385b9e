using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Json;

/// <summary>
/// Content hashing: lowercase hex SHA-256 over UTF-8 bytes. JSON values are hashed in their RFC 8785
/// canonical form, so equal content gives the same hash on every machine.
/// </summary>
public static class ContentHash
{
    /// <summary>Hashes a JSON value in canonical form (written as UTF-8 and hashed, with no string in between).</summary>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static string Of(JsonNode? value)
    {
        using var buffer = new PooledUtf8Buffer();
        CanonicalJsonWriter.Write(buffer, value);
        return OfBytes(buffer.WrittenSpan);
    }

    /// <summary>Hashes a JSON element in canonical form.</summary>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static string Of(JsonElement value)
    {
        using var buffer = new PooledUtf8Buffer();
        CanonicalJsonWriter.Write(buffer, value);
        return OfBytes(buffer.WrittenSpan);
    }

    /// <summary>Hashes text that is already canonical (or any string) by its UTF-8 bytes.</summary>
    public static string OfCanonical(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var byteCount = Encoding.UTF8.GetByteCount(text);
        var buffer = byteCount <= 4096 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(text, buffer);
        return OfBytes(buffer);
    }

    /// <summary>Hashes raw bytes.</summary>
    public static string OfBytes(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return Convert.ToHexStringLower(hash);
    }
}
