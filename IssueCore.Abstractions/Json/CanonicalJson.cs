using System.Globalization;
using System.Runtime.CompilerServices;
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
        var sb = new StringBuilder();
        Write(sb, node, "$", 0);
        return sb.ToString();
    }

    /// <summary>Canonicalises a JSON element.</summary>
    /// <exception cref="ValidationException">The value has no canonical form.</exception>
    public static string Serialize(JsonElement element)
    {
        var sb = new StringBuilder();
        Write(sb, element, "$", 0);
        return sb.ToString();
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

    private static void Write(StringBuilder sb, JsonNode? node, string path, int depth)
    {
        // depth counts the containers around this value: an object or array here is level depth + 1.
        if (depth >= MaxDepth && node is JsonObject or JsonArray)
        {
            throw new ValidationException(path, $"Nested deeper than {MaxDepth} levels.");
        }

        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                var members = obj.ToList();
                members.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                sb.Append('{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    WriteString(sb, members[i].Key, path);
                    sb.Append(':');
                    Write(sb, members[i].Value, path + "." + members[i].Key, depth + 1);
                }

                sb.Append('}');
                break;
            case JsonArray array:
                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    Write(sb, array[i], $"{path}[{i}]", depth + 1);
                }

                sb.Append(']');
                break;
            default:
                var value = node.AsValue();
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        WriteString(sb, value.GetValue<string>(), path);
                        break;
                    case JsonValueKind.Number:
                        if (value.TryGetValue<double>(out var d))
                        {
                            if (!double.IsFinite(d))
                            {
                                throw new ValidationException(path, "NaN and infinite numbers have no JSON form.");
                            }

                            sb.Append(FormatNumber(d));
                        }
                        else
                        {
                            using (var doc = ParseDocument(value.ToJsonString()))
                            {
                                Write(sb, doc.RootElement, path, depth);
                            }
                        }

                        break;
                    default:
                        using (var doc = ParseDocument(value.ToJsonString()))
                        {
                            Write(sb, doc.RootElement, path, depth);
                        }

                        break;
                }

                break;
        }
    }

    private static void Write(StringBuilder sb, JsonElement element, string path, int depth)
    {
        if (depth >= MaxDepth && element.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            throw new ValidationException(path, $"Nested deeper than {MaxDepth} levels.");
        }

        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<(string Name, JsonElement Value)>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in element.EnumerateObject())
                {
                    if (!seen.Add(p.Name))
                    {
                        throw new ValidationException(path, $"Duplicate member name '{p.Name}'.");
                    }

                    members.Add((p.Name, p.Value));
                }

                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                sb.Append('{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    WriteString(sb, members[i].Name, path);
                    sb.Append(':');
                    Write(sb, members[i].Value, path + "." + members[i].Name, depth + 1);
                }

                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index > 0)
                    {
                        sb.Append(',');
                    }

                    Write(sb, item, $"{path}[{index}]", depth + 1);
                    index++;
                }

                sb.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(sb, element.GetString()!, path);
                break;
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out var d) || !double.IsFinite(d))
                {
                    throw new ValidationException(path, $"The number {element.GetRawText()} is outside the IEEE 754 double range.");
                }

                sb.Append(FormatNumber(d));
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Null:
                sb.Append("null");
                break;
            default:
                throw new ValidationException(path, $"Unsupported JSON value kind {element.ValueKind}.");
        }
    }

    private static void WriteString(StringBuilder sb, string value, string path)
    {
        sb.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c))
                    {
                        if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                        {
                            throw new ValidationException(path, "A string holds a lone surrogate.");
                        }

                        sb.Append(c).Append(value[++i]);
                    }
                    else if (char.IsLowSurrogate(c))
                    {
                        throw new ValidationException(path, "A string holds a lone surrogate.");
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
