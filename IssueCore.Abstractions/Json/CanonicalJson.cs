using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Json;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme (JCS): object members sorted by their UTF-16 code units,
/// no insignificant white space, ECMAScript number formatting and the RFC's minimal string escaping.
/// </summary>
/// <remarks>
/// Numbers are IEEE 754 doubles, as the RFC requires: an integer beyond 2^53 is rounded to the
/// nearest double. Values the RFC cannot represent (non-finite numbers, lone surrogates, duplicate
/// member names, nesting deeper than <see cref="MaxDepth"/>) raise a <see cref="ValidationException"/>.
/// </remarks>
public static class CanonicalJson
{
    /// <summary>The deepest nesting accepted: 128 levels of objects and arrays (<c>[[1]]</c> nests 2).</summary>
    public const int MaxDepth = 128;

    /// <summary>Canonicalises a JSON node (<see langword="null"/> is the JSON literal <c>null</c>).</summary>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static string Serialize(JsonNode? node)
    {
        using var buffer = new PooledUtf8Buffer();
        CanonicalJsonWriter.Write(buffer, node);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Canonicalises a JSON element.</summary>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static string Serialize(JsonElement element)
    {
        using var buffer = new PooledUtf8Buffer();
        CanonicalJsonWriter.Write(buffer, element);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Canonicalises a JSON node into UTF-8 bytes.</summary>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static byte[] SerializeToUtf8Bytes(JsonNode? node)
    {
        using var buffer = new PooledUtf8Buffer();
        CanonicalJsonWriter.Write(buffer, node);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Canonicalises a JSON element into UTF-8 bytes.</summary>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static byte[] SerializeToUtf8Bytes(JsonElement element)
    {
        using var buffer = new PooledUtf8Buffer();
        CanonicalJsonWriter.Write(buffer, element);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes the canonical form of a JSON node to <paramref name="destination"/> as UTF-8, without building a string.
    /// </summary>
    /// <remarks>A value without a canonical form throws part-way: what was written before it stays in the destination.</remarks>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static void WriteTo(IBufferWriter<byte> destination, JsonNode? node)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CanonicalJsonWriter.Write(destination, node);
    }

    /// <summary>
    /// Writes the canonical form of a JSON element to <paramref name="destination"/> as UTF-8, without building a string.
    /// </summary>
    /// <remarks>A value without a canonical form throws part-way: what was written before it stays in the destination.</remarks>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static void WriteTo(IBufferWriter<byte> destination, JsonElement element)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CanonicalJsonWriter.Write(destination, element);
    }

    /// <summary>Canonicalises JSON text.</summary>
    /// <exception cref="ValidationException">The text is not JSON or has no canonical form.</exception>
    public static string Canonicalize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = ParseDocument(json);
        return Serialize(doc.RootElement);
    }

    /// <summary>Formats a double as ECMAScript's <c>Number.prototype.toString</c> does (RFC 8785 §3.2.2.3).</summary>
    /// <exception cref="ValidationException">The value is NaN or infinite.</exception>
    public static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ValidationException("$", "NaN and infinite numbers have no JSON form.");
        }

        if (value == 0)
        {
            return "0"; // also -0
        }

        var sb = new StringBuilder(24);
        if (value < 0)
        {
            sb.Append('-');
            value = -value;
        }

        // "R" yields the shortest digits that round-trip; re-shape them into the ECMAScript layout.
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var ePos = r.IndexOfAny(['E', 'e']);
        var mantissa = ePos >= 0 ? r[..ePos] : r;
        var exponent = ePos >= 0 ? int.Parse(r.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : string.Empty;
        var digits = intPart + fracPart;
        var n = intPart.Length + exponent;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        digits = digits[lead..].TrimEnd('0');
        n -= lead;
        var k = digits.Length;

        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            var e = n - 1;
            sb.Append(digits[0]);
            if (k > 1)
            {
                sb.Append('.').Append(digits, 1, k - 1);
            }

            sb.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static JsonDocument ParseDocument(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new ValidationException("$", $"Not valid JSON: {ex.Message}");
        }
    }
}
