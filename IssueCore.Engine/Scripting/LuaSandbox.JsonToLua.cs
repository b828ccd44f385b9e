using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;
using KeraLua;

namespace IssueCore.Scripting;

/// <summary>JSON values pushed onto the Lua stack (the input and primitive results).</summary>
internal sealed unsafe partial class LuaSandbox
{
    private void PushJson(JsonNode? node, int depth, string path)
    {
        CountNode();
        switch (node)
        {
            case null:
                LuaNative.PushLightUserData(_l, IntPtr.Zero);
                return;
            case JsonObject obj:
                CheckDepth(depth, path);
                EnsureStack(path);
                _lua.CreateTable(0, obj.Count);
                LuaNative.RawGetInteger(_l, Registry, _refObjectMeta);
                LuaNative.SetMetaTable(_l, -2);
                foreach (var (key, value) in obj)
                {
                    PushString(key);
                    PushJson(value, depth + 1, path);
                    _lua.RawSet(-3);
                }

                return;
            case JsonArray arr:
                CheckDepth(depth, path);
                EnsureStack(path);
                _lua.CreateTable(arr.Count, 0);
                LuaNative.RawGetInteger(_l, Registry, _refArrayMeta);
                LuaNative.SetMetaTable(_l, -2);
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

    /// <summary>Room for one more level of a document being pushed; a full Lua stack is a conversion error, never a write past its end.</summary>
    private void EnsureStack(string path)
    {
        if (!_lua.CheckStack(4))
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
