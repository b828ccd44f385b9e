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

    private readonly List<(string? Key, long Index)> _path = [];
    private string _pathRoot = "$";

    private string CurrentPath()
    {
        var sb = new StringBuilder(_pathRoot);
        foreach (var (key, idx) in _path)
        {
            if (key is null)
            {
                sb.Append('[').Append(idx.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                sb.Append('.').Append(key);
            }
        }

        return sb.ToString();
    }

    private JsonNode? ToJson(int index, int depth, string root)
    {
        _path.Clear();
        _pathRoot = root;
        return ToJson(index, depth);
    }

    private JsonNode? ToJson(int index, int depth)
    {
        CountNode();
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
            case LuaType.Table:
                return TableToJson(_lua.AbsIndex(index), depth);
            default:
                var kind = type == LuaType.Thread ? "thread (coroutine)" : type.ToString().ToLowerInvariant();
                throw new ConversionException($"{CurrentPath()} is a {kind} value, which has no JSON form", ScriptLimit.None);
        }
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

    private JsonNode TableToJson(int index, int depth)
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

        List<KeyValuePair<string, JsonNode?>>? members = null;
        List<KeyValuePair<long, JsonNode?>>? items = null;
        CountOutput(2);
        _lua.PushNil();
        while (LuaNative.Next(_l, index) != 0)
        {
            var keyType = (LuaType)LuaNative.Type(_l, -2);
            if (keyType == LuaType.String)
            {
                var key = ReadString(-2);
                CountOutput(key.Length + 4);
                _path.Add((key, 0));
                (members ??= []).Add(new(key, ToJson(-1, depth + 1)));
                _path.RemoveAt(_path.Count - 1);
            }
            else if (keyType == LuaType.Number && LuaNative.IsInteger(_l, -2) != 0)
            {
                var key = LuaNative.ToIntegerX(_l, -2, null);
                CountOutput(1);
                _path.Add((null, key));
                (items ??= []).Add(new(key, ToJson(-1, depth + 1)));
                _path.RemoveAt(_path.Count - 1);
            }
            else
            {
                _lua.Pop(2);
                throw new ConversionException($"{CurrentPath()} has a key of type {(keyType == LuaType.Number ? "float" : keyType.ToString().ToLowerInvariant())}; JSON objects take string keys and arrays the keys 1..n", ScriptLimit.None);
            }

            LuaNative.SetTop(_l, -2);
        }

        if (members is not null && (items is not null || marker == 1))
        {
            throw new ConversionException($"{CurrentPath()} mixes string keys with array elements", ScriptLimit.None);
        }

        if (items is not null && marker == 2)
        {
            throw new ConversionException($"{CurrentPath()} is marked as an object but has integer keys", ScriptLimit.None);
        }

        if (items is not null || marker == 1)
        {
            var count = items?.Count ?? 0;
            var slots = new JsonNode?[count];
            for (var i = 0; i < count; i++)
            {
                var (key, value) = items![i];
                if (key < 1 || key > count)
                {
                    throw new ConversionException($"{CurrentPath()} is not a sequence: key {key} is outside 1..{count} (use host.null for null elements)", ScriptLimit.None);
                }

                slots[key - 1] = value;
            }

            return new JsonArray(slots);
        }

        var obj = new JsonObject();
        if (members is not null)
        {
            foreach (var member in members)
            {
                obj.Add(member);
            }
        }

        return obj;
    }
}
