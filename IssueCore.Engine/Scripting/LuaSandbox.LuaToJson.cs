using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;
using KeraLua;

namespace IssueCore.Scripting;

/// <summary>Lua values read back as JSON (the result envelope, error values and primitive arguments), under the output cap.</summary>
internal sealed unsafe partial class LuaSandbox
{
    private ScriptException ErrorFromStack(string name, LuaStatus status)
    {
        if (status == LuaStatus.ErrMem)
        {
            Poisoned = true;
            return new ScriptException(name, LimitMessage(ScriptLimit.Memory), ScriptLimit.Memory);
        }

        if (status != LuaStatus.ErrRun)
        {
            Poisoned = true;
        }

        string? traceback = null;
        var top = _lua.GetTop();
        if (_lua.Type(top) == LuaType.Table && _lua.GetMetaTable(top))
        {
            var isBox = LuaNative.ToPointer(_l, -1) == _errBoxPtr;
            _lua.Pop(1);
            if (isBox)
            {
                _lua.RawGetInteger(top, 2);
                traceback = _lua.Type(-1) == LuaType.String ? ReadStringLossy(-1) : null;
                _lua.Pop(1);
                _lua.RawGetInteger(top, 1);
            }
        }

        var message = DescribeError(_lua.GetTop());
        if (_refusedInRun && message == "not enough memory")
        {
            // An allocation refused at the cap that Lua reported as an ordinary error (library buffers do not
            // retry after an emergency collection): still the memory budget.
            Poisoned = true;
            return new ScriptException(name, LimitMessage(ScriptLimit.Memory), ScriptLimit.Memory);
        }

        return new ScriptException(name, message, ScriptLimit.None, traceback);
    }

    private string DescribeError(int index)
    {
        switch (_lua.Type(index))
        {
            case LuaType.String:
                return ReadErrorString(index);
            case LuaType.Number:
            case LuaType.Boolean:
            case LuaType.Table:
            case LuaType.LightUserData:
                var kind = _lua.Type(index).ToString().ToLowerInvariant();
                try
                {
                    BeginConversion();
                    return CanonicalJson.Serialize(ToJson(index, 1, "$error"));
                }
                catch (ConversionException ex) when (ex.Limit is ScriptLimit.OutputSize)
                {
                    return $"(error object is a {kind} value larger than {_maxOutputBytes} bytes of JSON; not shown)";
                }
                catch (ConversionException ex) when (ex.Limit is ScriptLimit.Deadline or ScriptLimit.Cancelled)
                {
                    return $"(error object is a {kind} value; describing it stopped: {ex.Message})";
                }
                catch (Exception ex) when (ex is ConversionException or ValidationException)
                {
                    return $"(error object is a {kind} value that is not JSON: {ex.Message})";
                }

            case LuaType.Nil:
                return "(error object is nil)";
            default:
                return $"(error object is a {_lua.Type(index).ToString().ToLowerInvariant()} value)";
        }
    }

    private JsonNode? ReadEnvelope(string name)
    {
        const string Contract = "a script must return { ok = true, value = ... } (or { ok = false, error = ... })";
        if ((LuaType)LuaNative.Type(_l, -1) != LuaType.Table)
        {
            throw new ScriptException(name, $"{Contract}; it returned a {_lua.Type(-1).ToString().ToLowerInvariant()} value");
        }

        var envelope = LuaNative.GetTop(_l);
        LuaNative.RawGetInteger(_l, Registry, _refKeyOk);
        var okType = (LuaType)LuaNative.RawGet(_l, envelope);
        var ok = okType == LuaType.Boolean && LuaNative.ToBoolean(_l, -1) != 0;
        LuaNative.SetTop(_l, -2);
        if (okType != LuaType.Boolean)
        {
            throw new ScriptException(name, $"{Contract}; its 'ok' field is {(okType == LuaType.Nil ? "missing" : "not a boolean")}");
        }

        LuaNative.RawGetInteger(_l, Registry, ok ? _refKeyValue : _refKeyError);
        _ = LuaNative.RawGet(_l, envelope);
        if (!ok)
        {
            throw new ScriptException(name, DescribeError(-1));
        }

        try
        {
            BeginConversion();
            return ToJson(LuaNative.GetTop(_l), 1, "$.value");
        }
        catch (ConversionException ex)
        {
            throw new ScriptException(name, "result: " + ex.Message, ex.Limit);
        }
    }

    // Every Lua -> JSON conversion (result, error value, primitive argument) is held to the call's output
    // cap; every 1024 nodes it also checks the deadline and the cancellation token.
    private int _outputBytes;
    private int _maxOutputBytes = int.MaxValue;
    private long _convertedNodes;
    private string? _limitDetail;

    private void BeginConversion()
    {
        _outputBytes = 0;
        _convertedNodes = 0;
    }

    private void CountNode()
    {
        if ((++_convertedNodes & 1023) == 0)
        {
            if (_cancellation.IsCancellationRequested)
            {
                throw new ConversionException("the call was cancelled during a JSON conversion", ScriptLimit.Cancelled);
            }

            if (_time.GetUtcNow() >= _deadline)
            {
                throw new ConversionException("the deadline passed during a JSON conversion", ScriptLimit.Deadline);
            }
        }
    }

    /// <summary>An error message string, cut at the output cap.</summary>
    private string ReadErrorString(int index)
    {
        var p = LuaNative.ToLString(_l, index, out var length);
        if (p == null)
        {
            return string.Empty;
        }

        if (length <= (nuint)_maxOutputBytes)
        {
            return Encoding.UTF8.GetString(p, checked((int)length));
        }

        return Encoding.UTF8.GetString(p, _maxOutputBytes) + $"... (truncated: {length} bytes in all)";
    }

    private string ReadString(int index)
    {
        var p = LuaNative.ToLString(_l, index, out var length);
        try
        {
            return StrictUtf8.GetString(p, checked((int)length));
        }
        catch (DecoderFallbackException)
        {
            throw new ConversionException("a string is not valid UTF-8", ScriptLimit.None);
        }
    }

    private string ReadStringLossy(int index)
    {
        var p = LuaNative.ToLString(_l, index, out var length);
        return p == null ? string.Empty : Encoding.UTF8.GetString(p, checked((int)length));
    }

    private void CountOutput(int bytes)
    {
        _outputBytes += bytes;
        if (_outputBytes > _maxOutputBytes)
        {
            throw new ConversionException($"larger than {_maxOutputBytes} bytes of JSON", ScriptLimit.OutputSize);
        }
    }

    // The path of the value being converted, for error messages: a string key is read back from its stack slot (so no key
    // is copied out of Lua unless an error names it), an array element is its index.
    private readonly List<(int KeySlot, long Index)> _path = [];
    private string _pathRoot = "$";

    private string CurrentPath()
    {
        var sb = new StringBuilder(_pathRoot);
        foreach (var (slot, idx) in _path)
        {
            if (slot == 0)
            {
                sb.Append('[').Append(idx.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                sb.Append('.').Append(ReadStringLossy(slot));
            }
        }

        return sb.ToString();
    }

    /// <summary>A Lua table as one immutable element, for a caller that only reads it (no node over it is built).</summary>
    private JsonElement TableToElement(int index, int depth, string root)
    {
        _path.Clear();
        _pathRoot = root;
        CountNode();
        var writer = BeginJsonWrite();
        WriteTable(_lua.AbsIndex(index), depth);
        writer.Flush();
        var reader = new Utf8JsonReader(_jsonBuffer.WrittenSpan, new JsonReaderOptions { MaxDepth = JsonBufferMaxDepth });
        var element = JsonElement.ParseValue(ref reader);
        EndJsonWrite();
        return element;
    }

    /// <summary>
    /// The Lua value at <paramref name="index"/> as JSON. A table is written straight from the Lua stack as UTF-8 JSON
    /// into the state's reused buffer and handed back as a node over one immutable element, so only what the caller reads
    /// is ever materialised as nodes.
    /// </summary>
    private JsonNode? ToJson(int index, int depth, string root)
    {
        if ((LuaType)LuaNative.Type(_l, index) != LuaType.Table)
        {
            _path.Clear();
            _pathRoot = root;
            CountNode();
            return ScalarToJson(index);
        }

        var element = TableToElement(index, depth, root);
        return element.ValueKind == JsonValueKind.Array ? JsonArray.Create(element) : JsonObject.Create(element);
    }

    private JsonNode? ScalarToJson(int index)
    {
        var type = (LuaType)LuaNative.Type(_l, index);
        switch (type)
        {
            case LuaType.Nil:
                CountOutput(4);
                return null;
            case LuaType.Boolean:
                CountOutput(5);
                return JsonValue.Create(LuaNative.ToBoolean(_l, index) != 0);
            case LuaType.Number:
                if (LuaNative.IsInteger(_l, index) != 0)
                {
                    CountOutput(8);
                    return JsonValue.Create(LuaNative.ToIntegerX(_l, index, null));
                }

                CountOutput(12);
                return DoubleNode(LuaNative.ToNumberX(_l, index, null));
            case LuaType.String:
                var s = ReadString(index);
                CountOutput(s.Length + 2);
                return JsonValue.Create(s);
            case LuaType.LightUserData when _lua.ToUserData(index) == IntPtr.Zero:
                CountOutput(4);
                return null;
            default:
                throw NoJsonForm(type);
        }
    }

    private ConversionException NoJsonForm(LuaType type)
    {
        var kind = type == LuaType.Thread ? "thread (coroutine)" : type.ToString().ToLowerInvariant();
        return new ConversionException($"{CurrentPath()} is a {kind} value, which has no JSON form", ScriptLimit.None);
    }

    private JsonNode DoubleNode(double d)
    {
        if (!double.IsFinite(d))
        {
            throw new ConversionException($"{CurrentPath()} is {d.ToString(CultureInfo.InvariantCulture)}, which has no JSON form", ScriptLimit.None);
        }

        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E', 'e') < 0
            ? JsonNode.Parse(text + ".0")!
            : JsonValue.Create(d);
    }

    /// <summary>The string at <paramref name="index"/> as the UTF-8 bytes Lua holds (valid while it stays on the stack).</summary>
    private ReadOnlySpan<byte> Utf8At(int index)
    {
        var p = LuaNative.ToLString(_l, index, out var length);
        var text = new ReadOnlySpan<byte>(p, checked((int)length));
        if (!System.Text.Unicode.Utf8.IsValid(text))
        {
            throw new ConversionException("a string is not valid UTF-8", ScriptLimit.None);
        }

        return text;
    }

    private void WriteJson(int index, int depth)
    {
        CountNode();
        var writer = _jsonWriter;
        var type = (LuaType)LuaNative.Type(_l, index);
        switch (type)
        {
            case LuaType.Nil:
                CountOutput(4);
                writer.WriteNullValue();
                return;
            case LuaType.Boolean:
                CountOutput(5);
                writer.WriteBooleanValue(LuaNative.ToBoolean(_l, index) != 0);
                return;
            case LuaType.Number:
                if (LuaNative.IsInteger(_l, index) != 0)
                {
                    CountOutput(8);
                    writer.WriteNumberValue(LuaNative.ToIntegerX(_l, index, null));
                    return;
                }

                CountOutput(12);
                WriteDouble(LuaNative.ToNumberX(_l, index, null));
                return;
            case LuaType.String:
                var text = Utf8At(index);
                CountOutput(text.Length + 2);
                writer.WriteStringValue(text);
                return;
            case LuaType.LightUserData when _lua.ToUserData(index) == IntPtr.Zero:
                CountOutput(4);
                writer.WriteNullValue();
                return;
            case LuaType.Table:
                WriteTable(index, depth);
                return;
            default:
                throw NoJsonForm(type);
        }
    }

    /// <summary>A float keeps a fraction or exponent in its JSON text (<c>1.0</c>, not <c>1</c>), so it reads back as a float.</summary>
    private void WriteDouble(double d)
    {
        if (!double.IsFinite(d))
        {
            throw new ConversionException($"{CurrentPath()} is {d.ToString(CultureInfo.InvariantCulture)}, which has no JSON form", ScriptLimit.None);
        }

        Span<byte> text = stackalloc byte[40];
        d.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture);
        if (text[..length].IndexOfAny((byte)'.', (byte)'E', (byte)'e') < 0)
        {
            text[length++] = (byte)'.';
            text[length++] = (byte)'0';
        }

        _jsonWriter.WriteRawValue(text[..length], skipInputValidation: true);
    }

    /// <summary>
    /// A table as a JSON object or array. Its kind comes from its marker (<c>host.array()</c>, <c>host.object()</c>, a
    /// converted input) or its first key; an array's keys are checked to be exactly 1..n before its elements are
    /// written in order.
    /// </summary>
    private void WriteTable(int index, int depth)
    {
        var path = depth > _maxDepth || !_lua.CheckStack(6) ? CurrentPath() : string.Empty;
        CheckDepth(depth, path);
        if (!_lua.CheckStack(6))
        {
            throw new ConversionException($"nested too deeply at {CurrentPath()}", ScriptLimit.Depth);
        }

        var marker = 0; // 1 array, 2 object
        if (LuaNative.GetMetaTable(_l, index) != 0)
        {
            var mt = LuaNative.ToPointer(_l, -1);
            marker = mt == _arrayMetaPtr ? 1 : mt == _objectMetaPtr ? 2 : 0;
            LuaNative.SetTop(_l, -2);
        }

        var writer = _jsonWriter;
        CountOutput(2);
        _lua.PushNil();
        if (LuaNative.Next(_l, index) == 0)
        {
            if (marker == 1)
            {
                writer.WriteStartArray();
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }

            return;
        }

        var firstKey = (LuaType)LuaNative.Type(_l, -2);
        if (firstKey == LuaType.String)
        {
            if (marker == 1)
            {
                _lua.Pop(2);
                throw new ConversionException($"{CurrentPath()} mixes string keys with array elements", ScriptLimit.None);
            }

            writer.WriteStartObject();
            do
            {
                var keyType = (LuaType)LuaNative.Type(_l, -2);
                if (keyType != LuaType.String)
                {
                    throw BadKey(keyType);
                }

                var key = Utf8At(-2);
                CountOutput(key.Length + 4);
                writer.WritePropertyName(key);
                var top = LuaNative.GetTop(_l);
                _path.Add((top - 1, 0));
                WriteJson(top, depth + 1);
                _path.RemoveAt(_path.Count - 1);
                LuaNative.SetTop(_l, -2);
            }
            while (LuaNative.Next(_l, index) != 0);

            writer.WriteEndObject();
            return;
        }

        if (firstKey != LuaType.Number || LuaNative.IsInteger(_l, -2) == 0)
        {
            throw BadKey(firstKey);
        }

        if (marker == 2)
        {
            _lua.Pop(2);
            throw new ConversionException($"{CurrentPath()} is marked as an object but has integer keys", ScriptLimit.None);
        }

        // Integer keys: count them and check they are exactly 1..n, then write the elements in order.
        long count = 0, min = long.MaxValue, max = long.MinValue;
        do
        {
            var keyType = (LuaType)LuaNative.Type(_l, -2);
            if (keyType != LuaType.Number || LuaNative.IsInteger(_l, -2) == 0)
            {
                throw BadKey(keyType);
            }

            var key = LuaNative.ToIntegerX(_l, -2, null);
            count++;
            min = Math.Min(min, key);
            max = Math.Max(max, key);
            CountOutput(1);
            LuaNative.SetTop(_l, -2);
        }
        while (LuaNative.Next(_l, index) != 0);

        if (min < 1 || max > count)
        {
            throw new ConversionException($"{CurrentPath()} is not a sequence: key {(min < 1 ? min : max)} is outside 1..{count} (use host.null for null elements)", ScriptLimit.None);
        }

        writer.WriteStartArray();
        for (long i = 1; i <= count; i++)
        {
            LuaNative.RawGetInteger(_l, index, i);
            _path.Add((0, i));
            WriteJson(LuaNative.GetTop(_l), depth + 1);
            _path.RemoveAt(_path.Count - 1);
            LuaNative.SetTop(_l, -2);
        }

        writer.WriteEndArray();
    }

    /// <summary>A key that is neither a string (objects) nor an integer (arrays), or one of the other kind than the table's first key.</summary>
    private ConversionException BadKey(LuaType keyType)
    {
        var isInteger = keyType == LuaType.Number && LuaNative.IsInteger(_l, -2) != 0;
        _lua.Pop(2);
        if (keyType == LuaType.String || isInteger)
        {
            return new ConversionException($"{CurrentPath()} mixes string keys with array elements", ScriptLimit.None);
        }

        return new ConversionException($"{CurrentPath()} has a key of type {(keyType == LuaType.Number ? "float" : keyType.ToString().ToLowerInvariant())}; JSON objects take string keys and arrays the keys 1..n", ScriptLimit.None);
    }
}
