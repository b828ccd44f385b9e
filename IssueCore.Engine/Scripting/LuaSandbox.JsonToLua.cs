using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Flows;
using IssueCore.Json;
using KeraLua;

namespace IssueCore.Scripting;

/// <summary>JSON values pushed onto the Lua stack (the input and primitive results).</summary>
internal sealed unsafe partial class LuaSandbox
{
    /// <summary>Nesting the reused JSON buffer may hold; deeper than any depth budget, so the budget's own error comes first.</summary>
    private const int JsonBufferMaxDepth = 1024;

    /// <summary>A buffer grown past this by one large conversion is dropped afterwards, so an idle state keeps little.</summary>
    private const int JsonBufferRetainedBytes = 64 * 1024;

    // One reused UTF-8 buffer and writer per state for every conversion (never two at once: a conversion runs to its
    // end before the next starts). The relaxed encoder escapes only what JSON requires; the text is read back at once.
    private ArrayBufferWriter<byte> _jsonBuffer = new(1024);
    private readonly Utf8JsonWriter _jsonWriter = new(Stream.Null, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true, MaxDepth = JsonBufferMaxDepth });

    private Utf8JsonWriter BeginJsonWrite()
    {
        _jsonBuffer.ResetWrittenCount();
        _jsonWriter.Reset(_jsonBuffer);
        return _jsonWriter;
    }

    private void EndJsonWrite()
    {
        _jsonWriter.Reset(Stream.Null);
        if (_jsonBuffer.Capacity > JsonBufferRetainedBytes)
        {
            _jsonBuffer = new ArrayBufferWriter<byte>(1024);
        }
        else
        {
            _jsonBuffer.ResetWrittenCount();
        }
    }

    /// <summary>
    /// Pushes an element's JSON: its UTF-8 text, as the document it belongs to holds it, read straight onto the Lua stack,
    /// so neither a node nor a copy of the text is created for it.
    /// </summary>
    private void PushElement(JsonElement element, int depth, string path)
    {
        // The document's own bytes: what it was parsed from (or what the serializer wrote), which may keep whitespace,
        // comments and trailing commas when the document allowed them.
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(element), ElementReaderOptions);
        try
        {
            reader.Read();
            PushToken(ref reader, depth, path);
        }
        catch (JsonException)
        {
            // Only nesting past the reader's bound, far beyond any depth budget (the text was valid when it was parsed).
            throw new ConversionException($"nested deeper than {_maxDepth} levels at {path}", ScriptLimit.Depth);
        }
    }

    private static readonly JsonReaderOptions ElementReaderOptions = new()
    {
        MaxDepth = JsonBufferMaxDepth,
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private void PushToken(ref Utf8JsonReader reader, int depth, string path)
    {
        CountNode();
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                PushMarkedTable(0, 0, _refObjectMeta, depth, path);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    PushTokenString(ref reader);
                    reader.Read();
                    PushToken(ref reader, depth + 1, path);
                    LuaNative.RawSet(_l, -3);
                }

                return;
            case JsonTokenType.StartArray:
                PushMarkedTable(0, 0, _refArrayMeta, depth, path);
                long i = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    PushToken(ref reader, depth + 1, path);
                    _lua.RawSetInteger(-2, ++i);
                }

                return;
            case JsonTokenType.String:
                PushTokenString(ref reader);
                return;
            case JsonTokenType.Number:
                // An integer only when the text has no fraction or exponent ("1.0" and "1e2" stay floats).
                if (reader.TryGetInt64(out var integer))
                {
                    LuaNative.PushInteger(_l, integer);
                }
                else
                {
                    LuaNative.PushNumber(_l, reader.GetDouble());
                }

                return;
            case JsonTokenType.True:
                LuaNative.PushBoolean(_l, 1);
                return;
            case JsonTokenType.False:
                LuaNative.PushBoolean(_l, 0);
                return;
            default:
                LuaNative.PushLightUserData(_l, IntPtr.Zero);
                return;
        }
    }

    private void PushTokenString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            PushUtf8(reader.ValueSpan);
            return;
        }

        var length = reader.ValueSpan.Length; // unescaping never lengthens the text
        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            int written;
            try
            {
                written = reader.CopyString(buffer);
            }
            catch (InvalidOperationException)
            {
                throw new ConversionException("a string is not valid Unicode (lone surrogate)", ScriptLimit.None);
            }

            PushUtf8(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Pushes a JSON value (the input, a primitive's result). An object or array System.Text.Json still holds over the
    /// element it was parsed from (it creates child nodes only when they are read or written) is pushed from that element's
    /// UTF-8 text without creating its nodes; a node built in code is walked.
    /// </summary>
    private void PushJson(JsonNode? node, int depth, string path)
    {
        CountNode();
        switch (node)
        {
            case null:
                LuaNative.PushLightUserData(_l, IntPtr.Zero);
                return;
            case JsonObject obj when CtxValues.ParsedElement(obj) is { } element:
                PushElement(element, depth, path);
                return;
            case JsonArray arr when CtxValues.ParsedElement(arr) is { } element:
                PushElement(element, depth, path);
                return;
            case JsonObject obj:
                PushMarkedTable(0, obj.Count, _refObjectMeta, depth, path);
                // By index: the dictionary's enumerator would be boxed on every call.
                for (var i = 0; i < obj.Count; i++)
                {
                    var (key, value) = obj.GetAt(i);
                    PushString(key);
                    PushJson(value, depth + 1, path);
                    LuaNative.RawSet(_l, -3);
                }

                return;
            case JsonArray arr:
                PushMarkedTable(arr.Count, 0, _refArrayMeta, depth, path);
                for (var i = 0; i < arr.Count; i++)
                {
                    PushJson(arr[i], depth + 1, path);
                    _lua.RawSetInteger(-2, i + 1);
                }

                return;
            case JsonValue value:
                PushValue(value, depth, path);
                return;
            default:
                throw new ConversionException($"unsupported JSON node {node.GetType().Name}", ScriptLimit.None);
        }
    }

    // Set while a run's object input is pushed: its top level, the first table pushed, goes into the state's input table.
    private bool _reuseInputTable;

    /// <summary>A new table one level deeper, marked as an object or array by the metatable at <paramref name="metaRef"/>.</summary>
    private void PushMarkedTable(int arrayCount, int memberCount, int metaRef, int depth, string path)
    {
        CheckDepth(depth, path);
        EnsureStack(path);
        if (_reuseInputTable)
        {
            _reuseInputTable = false;
            PushInputTable();
            return;
        }

        LuaNative.CreateTable(_l, arrayCount, memberCount);
        LuaNative.RawGetInteger(_l, Registry, metaRef);
        LuaNative.SetMetaTable(_l, -2);
    }

    /// <summary>
    /// Lua's guarantee: a C function (and the host, at the bottom of a state's stack) may push this many values over the
    /// ones it was given without asking for room; <c>LUA_MINSTACK</c>.
    /// </summary>
    private const int LuaMinStack = 20;

    /// <summary>Room for one more level of a document being pushed; a full Lua stack is a conversion error, never a write past its end.</summary>
    private void EnsureStack(string path)
    {
        // The top levels fit in the room Lua guarantees (the host pushes its first values at the bottom of the stack, a
        // primitive above the arguments it got): asking costs a native call with a GC transition per table.
        if (LuaNative.GetTop(_l) + 4 <= LuaMinStack)
        {
            return;
        }

        if (LuaNative.CheckStack(_l, 4) == 0)
        {
            throw new ConversionException($"the Lua stack is too full to hold the document at {path}", ScriptLimit.Depth);
        }
    }

    private void CheckDepth(int depth, string path)
    {
        if (depth > _maxDepth)
        {
            throw new ConversionException($"nested deeper than {_maxDepth} levels at {path}", ScriptLimit.Depth);
        }

        // The depth limit keeps recursion short; this guards whatever thread the call runs on.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new ConversionException($"nested too deeply for the thread's stack at {path}", ScriptLimit.Depth);
        }
    }

    private void PushValue(JsonValue value, int depth, string path)
    {
        // The kind first (a plain virtual call), then as few generic TryGetValue calls as the kind needs.
        switch (value.GetValueKind())
        {
            case JsonValueKind.True:
                LuaNative.PushBoolean(_l, 1);
                return;
            case JsonValueKind.False:
                LuaNative.PushBoolean(_l, 0);
                return;
            case JsonValueKind.Null:
                LuaNative.PushLightUserData(_l, IntPtr.Zero);
                return;
            case JsonValueKind.String when value.TryGetValue<string>(out var s):
                PushString(s);
                return;
            case JsonValueKind.Number:
                PushNumber(value);
                return;
            default:
                PushJson(JsonNode.Parse(value.ToJsonString()), depth, path);
                return;
        }
    }

    private void PushNumber(JsonValue value)
    {
        // Parsed numbers: an integer only when the text has no fraction or exponent ("1.0" and "1e2" stay floats).
        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.TryGetInt64(out var integer))
            {
                LuaNative.PushInteger(_l, integer);
            }
            else
            {
                LuaNative.PushNumber(_l, element.GetDouble());
            }

            return;
        }

        // Values created from .NET numbers keep their type: integers stay integers, doubles stay floats.
        if (value.TryGetValue<int>(out var i))
        {
            LuaNative.PushInteger(_l, i);
        }
        else if (value.TryGetValue<long>(out var n))
        {
            LuaNative.PushInteger(_l, n);
        }
        else if (value.TryGetValue<double>(out var d))
        {
            LuaNative.PushNumber(_l, d);
        }
        else
        {
            PushNumberText(value.ToJsonString());
        }
    }

    private void PushNumberText(string text)
    {
        if (text.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            _lua.PushInteger(n);
        }
        else
        {
            _lua.PushNumber(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }

    private int RefString(ReadOnlySpan<byte> text)
    {
        PushUtf8(text);
        return _lua.Ref(LuaRegistry.Index);
    }

    private void PushUtf8(ReadOnlySpan<byte> text)
    {
        fixed (byte* p = text)
        {
            LuaNative.PushLString(_l, p, (nuint)text.Length);
        }
    }

    private void PushString(string value)
    {
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ConversionException("a string is not valid Unicode (lone surrogate)", ScriptLimit.None);
        }

        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            StrictUtf8.GetBytes(value, buffer);
            fixed (byte* p = buffer)
            {
                LuaNative.PushLString(_l, p, (nuint)length);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
