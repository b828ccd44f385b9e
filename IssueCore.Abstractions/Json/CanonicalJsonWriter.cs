using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Json;

/// <summary>
/// Writes the RFC 8785 canonical form of a JSON value straight to UTF-8: no intermediate string, no path strings on
/// the way down (a value without a canonical form reports its path as the error unwinds), and member lists in pooled
/// arrays.
/// </summary>
internal static class CanonicalJsonWriter
{
    // Characters a string cannot be copied with as they are: control characters and the two escaped ones need an
    // escape, and surrogates must be checked for pairing.
    private static readonly SearchValues<char> Special = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\"\\"
        + string.Concat(Enumerable.Range(0xD800, 0x800).Select(c => (char)c)));

    private static readonly Action<IBufferWriter<byte>, JsonNode?, int> WriteNodeMember = WriteNode;
    private static readonly Action<IBufferWriter<byte>, JsonElement, int> WriteElementMember = WriteElement;

    public static void Write(IBufferWriter<byte> output, JsonNode? node)
    {
        try
        {
            WriteNode(output, node, 0);
        }
        catch (PathedError error)
        {
            throw error.ToValidationException();
        }
    }

    public static void Write(IBufferWriter<byte> output, JsonElement element)
    {
        try
        {
            WriteElement(output, element, 0);
        }
        catch (PathedError error)
        {
            throw error.ToValidationException();
        }
    }

    private static void WriteNode(IBufferWriter<byte> output, JsonNode? node, int depth)
    {
        EnterValue(depth, node is JsonObject or JsonArray);
        switch (node)
        {
            case null:
                Ascii(output, "null"u8);
                break;
            case JsonObject obj:
                WriteObject(output, obj, depth);
                break;
            case JsonArray array:
                Byte(output, (byte)'[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        Byte(output, (byte)',');
                    }

                    try
                    {
                        WriteNode(output, array[i], depth + 1);
                    }
                    catch (PathedError error)
                    {
                        throw error.Under(i);
                    }
                }

                Byte(output, (byte)']');
                break;
            default:
                WriteValue(output, node.AsValue(), depth);
                break;
        }
    }

    /// <summary>Refuses a container nested too deep; <paramref name="depth"/> counts the containers around the value.</summary>
    private static void EnterValue(int depth, bool isContainer)
    {
        // An object or array here is level depth + 1.
        if (depth >= CanonicalJson.MaxDepth && isContainer)
        {
            throw new PathedError($"Nested deeper than {CanonicalJson.MaxDepth} levels.");
        }

        RuntimeHelpers.EnsureSufficientExecutionStack();
    }

    private static void WriteObject(IBufferWriter<byte> output, JsonObject obj, int depth)
    {
        var members = ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Rent(Math.Max(obj.Count, 1));
        var n = 0;
        foreach (var member in obj)
        {
            members[n++] = member;
        }

        WriteMembers(output, members, n, depth, WriteNodeMember);
    }

    private static void WriteValue(IBufferWriter<byte> output, JsonValue value, int depth)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            WriteElement(output, element, depth);
            return;
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(output, value.GetValue<string>());
                return;
            case JsonValueKind.Number when value.TryGetValue<double>(out var d):
                WriteNumber(output, d);
                return;
            case JsonValueKind.True:
                Ascii(output, "true"u8);
                return;
            case JsonValueKind.False:
                Ascii(output, "false"u8);
                return;
            default:
                // Any other value (a decimal, a char, a value of a custom type): through its JSON text.
                using (var doc = ParseValue(value.ToJsonString()))
                {
                    WriteElement(output, doc.RootElement, depth);
                }

                return;
        }
    }

    private static void WriteElement(IBufferWriter<byte> output, JsonElement element, int depth)
    {
        EnterValue(depth, element.ValueKind is JsonValueKind.Object or JsonValueKind.Array);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(output, element, depth);
                break;
            case JsonValueKind.Array:
                Byte(output, (byte)'[');
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index > 0)
                    {
                        Byte(output, (byte)',');
                    }

                    try
                    {
                        WriteElement(output, item, depth + 1);
                    }
                    catch (PathedError error)
                    {
                        throw error.Under(index);
                    }

                    index++;
                }

                Byte(output, (byte)']');
                break;
            case JsonValueKind.String:
                WriteString(output, element.GetString()!);
                break;
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out var d) || !double.IsFinite(d))
                {
                    throw new PathedError($"The number {element.GetRawText()} is outside the IEEE 754 double range.");
                }

                WriteNumber(output, d);
                break;
            case JsonValueKind.True:
                Ascii(output, "true"u8);
                break;
            case JsonValueKind.False:
                Ascii(output, "false"u8);
                break;
            case JsonValueKind.Null:
                Ascii(output, "null"u8);
                break;
            default:
                throw new PathedError($"Unsupported JSON value kind {element.ValueKind}.");
        }
    }

    private static void WriteObject(IBufferWriter<byte> output, JsonElement element, int depth)
    {
        var members = ArrayPool<KeyValuePair<string, JsonElement>>.Shared.Rent(Math.Max(element.GetPropertyCount(), 1));
        var n = 0;
        foreach (var p in element.EnumerateObject())
        {
            members[n++] = new KeyValuePair<string, JsonElement>(p.Name, p.Value);
        }

        WriteMembers(output, members, n, depth, WriteElementMember);
    }

    /// <summary>
    /// Writes the first <paramref name="count"/> members sorted by name (UTF-16 code units), refusing a name given twice,
    /// and returns the rented array.
    /// </summary>
    private static void WriteMembers<TValue>(IBufferWriter<byte> output, KeyValuePair<string, TValue>[] members, int count, int depth, Action<IBufferWriter<byte>, TValue, int> writeValue)
    {
        try
        {
            var sorted = members.AsSpan(0, count);
            sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            for (var i = 1; i < sorted.Length; i++)
            {
                if (string.Equals(sorted[i - 1].Key, sorted[i].Key, StringComparison.Ordinal))
                {
                    throw new PathedError($"Duplicate member name '{sorted[i].Key}'.");
                }
            }

            Byte(output, (byte)'{');
            for (var i = 0; i < sorted.Length; i++)
            {
                if (i > 0)
                {
                    Byte(output, (byte)',');
                }

                WriteString(output, sorted[i].Key);
                Byte(output, (byte)':');
                try
                {
                    writeValue(output, sorted[i].Value, depth + 1);
                }
                catch (PathedError error)
                {
                    throw error.Under(sorted[i].Key);
                }
            }

            Byte(output, (byte)'}');
        }
        finally
        {
            members.AsSpan(0, count).Clear();
            ArrayPool<KeyValuePair<string, TValue>>.Shared.Return(members);
        }
    }

    private static void WriteNumber(IBufferWriter<byte> output, double d)
    {
        if (!double.IsFinite(d))
        {
            throw new PathedError("NaN and infinite numbers have no JSON form.");
        }

        // Integers below 2^53 are exact, and ECMAScript writes them with all their digits (-0 as 0).
        if (Math.Abs(d) < 9007199254740992d && d == Math.Floor(d))
        {
            var span = output.GetSpan(20);
            ((long)d).TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
            output.Advance(written);
            return;
        }

        var text = CanonicalJson.FormatNumber(d);
        var target = output.GetSpan(text.Length);
        output.Advance(Encoding.UTF8.GetBytes(text, target));
    }

    private static void WriteString(IBufferWriter<byte> output, string value)
    {
        Byte(output, (byte)'"');
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            var special = rest.IndexOfAny(Special);
            var plain = special < 0 ? rest : rest[..special];
            if (!plain.IsEmpty)
            {
                var target = output.GetSpan(Encoding.UTF8.GetMaxByteCount(plain.Length));
                output.Advance(Encoding.UTF8.GetBytes(plain, target));
            }

            if (special < 0)
            {
                break;
            }

            var c = rest[special];
            var consumed = 1;
            switch (c)
            {
                case '"': Ascii(output, "\\\""u8); break;
                case '\\': Ascii(output, "\\\\"u8); break;
                case '\b': Ascii(output, "\\b"u8); break;
                case '\f': Ascii(output, "\\f"u8); break;
                case '\n': Ascii(output, "\\n"u8); break;
                case '\r': Ascii(output, "\\r"u8); break;
                case '\t': Ascii(output, "\\t"u8); break;
                default:
                    if (c < 0x20)
                    {
                        var escape = output.GetSpan(6);
                        "\\u00"u8.CopyTo(escape);
                        ((int)c).TryFormat(escape[4..], out _, "x2", CultureInfo.InvariantCulture);
                        output.Advance(6);
                    }
                    else if (char.IsHighSurrogate(c) && special + 1 < rest.Length && char.IsLowSurrogate(rest[special + 1]))
                    {
                        var pair = rest.Slice(special, 2);
                        var target = output.GetSpan(4);
                        output.Advance(Encoding.UTF8.GetBytes(pair, target));
                        consumed = 2;
                    }
                    else
                    {
                        throw new PathedError("A string holds a lone surrogate.");
                    }

                    break;
            }

            rest = rest[(special + consumed)..];
        }

        Byte(output, (byte)'"');
    }

    private static JsonDocument ParseValue(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = CanonicalJson.MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new PathedError($"Not valid JSON: {ex.Message}");
        }
    }

    private static void Byte(IBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    private static void Ascii(IBufferWriter<byte> output, ReadOnlySpan<byte> text)
    {
        text.CopyTo(output.GetSpan(text.Length));
        output.Advance(text.Length);
    }

    /// <summary>A value without a canonical form; its path is built as the error unwinds, outermost member last.</summary>
    private sealed class PathedError(string message) : Exception(message)
    {
        private readonly List<object> _segments = [];

        public PathedError Under(string member)
        {
            _segments.Add(member);
            return this;
        }

        public PathedError Under(int index)
        {
            _segments.Add(index);
            return this;
        }

        public ValidationException ToValidationException()
        {
            var path = new StringBuilder("$");
            for (var i = _segments.Count - 1; i >= 0; i--)
            {
                _ = _segments[i] is int index
                    ? path.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']')
                    : path.Append('.').Append((string)_segments[i]);
            }

            return new ValidationException(path.ToString(), Message);
        }
    }
}
