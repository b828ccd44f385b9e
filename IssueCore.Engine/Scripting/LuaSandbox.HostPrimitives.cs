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

/// <summary>The <c>host.*</c> primitives and the internal natives the sandbox's Lua code calls.</summary>
internal sealed unsafe partial class LuaSandbox
{
    /// <summary><c>__seed()</c>: two integers from the system's cryptographic generator. Never raises.</summary>
    [UnmanagedCallersOnly]
    private static int SeedThunk(IntPtr state)
    {
        Span<long> seed = stackalloc long[2];
        try
        {
            RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(seed));
        }
        catch (CryptographicException)
        {
            seed[0] = Environment.TickCount64;
            seed[1] = state;
        }

        LuaNative.PushInteger(state, seed[0]);
        LuaNative.PushInteger(state, seed[1]);
        return 2;
    }

    private void AddNative(string name, Func<IntPtr, int> body)
    {
        LuaFunction fn = l => InvokeNative(l, body);
        _natives.Add(fn);
        _lua.PushCFunction(fn);
        _lua.SetField(-2, name);
    }

    /// <summary>
    /// Runs a primitive. Never raises a Lua error from here: returns <c>true, result</c> or
    /// <c>false, message</c> and the Lua wrapper raises.
    /// </summary>
    private int InvokeNative(IntPtr l, Func<IntPtr, int> body)
    {
        var wasEnforcing = _enforcing;
        _enforcing = false;
        var top = _lua.GetTop();
        try
        {
            if (l != _l || !_lua.CheckStack(8))
            {
                throw new ConversionException("not callable here", ScriptLimit.None);
            }

            _convertedNodes = 0;
            return body(l);
        }
        catch (Exception ex)
        {
            // A budget hit while converting (output cap, deadline, cancellation) stops the script like any
            // other budget; other failures are ordinary errors the script may catch.
            if (ex is ConversionException { Limit: ScriptLimit.OutputSize or ScriptLimit.Deadline or ScriptLimit.Cancelled or ScriptLimit.Instructions } limit)
            {
                _limitDetail ??= "host primitive: " + limit.Message;
                Exceed(limit.Limit);
            }

            _lua.SetTop(top);
            _lua.PushBoolean(false);
            _lua.PushString(ex.Message);
            return 2;
        }
        finally
        {
            _enforcing = wasEnforcing;

            // The work a primitive did converting values counts against the instruction budget.
            _instructions += _convertedNodes;
            if (wasEnforcing && _allocated > _memoryCap)
            {
                Exceed(ScriptLimit.Memory);
            }
            else if (wasEnforcing && _instructions >= _maxInstructions)
            {
                Exceed(ScriptLimit.Instructions);
            }
        }
    }

    private JsonNode? Arg(int index)
    {
        _outputBytes = 0;
        return _lua.Type(index) is LuaType.None or LuaType.Nil ? null : ToJson(index, 1, $"$arg{index}");
    }

    private JsonElement TableArg(int index)
    {
        _outputBytes = 0;
        return TableToElement(index, 1, $"$arg{index}");
    }

    private int ReturnJson(JsonNode? value)
    {
        _lua.PushBoolean(true);
        PushJson(value, 1, "$");
        return 2;
    }

    private int ReturnString(string value)
    {
        _lua.PushBoolean(true);
        PushString(value);
        return 2;
    }

    // A table argument is read as one element and canonicalised from it: no node is built only to be walked once.
    private int CanonicalJsonPrimitive(IntPtr l)
        => ReturnString(_lua.Type(1) == LuaType.Table ? CanonicalJson.Serialize(TableArg(1)) : CanonicalJson.Serialize(Arg(1)));

    private int ContentHashPrimitive(IntPtr l)
    {
        if (_lua.Type(1) == LuaType.Table)
        {
            return ReturnString(ContentHash.Of(TableArg(1)));
        }

        if (_lua.Type(1) != LuaType.String)
        {
            return ReturnString(ContentHash.Of(Arg(1)));
        }

        var text = ReadString(1);
        ChargeWork(text.Length / 16);
        return ReturnString(ContentHash.OfCanonical(text));
    }

    private const int PatchSegmentOps = 32;

    private int JsonPatchPrimitive(IntPtr l)
    {
        var document = Arg(1);
        var operations = Arg(2);
        return ReturnJson(ApplyPatch(document, operations));
    }

    /// <summary>
    /// Applies a JSON Patch under the call's budgets. A <c>copy</c>, <c>move</c> or <c>test</c> may clone or
    /// compare the whole document, so each is charged the document's size; a <c>copy</c> can double the
    /// document and a <c>copy</c> or <c>move</c> into a part of itself can double its depth, so the patch is
    /// applied in segments that end at each <c>copy</c> and <c>move</c> (and every
    /// <see cref="PatchSegmentOps"/> operations), and the document is measured against the output cap and
    /// the depth limit after each one: no segment starts on a document deeper than the limit.
    /// </summary>
    private JsonNode? ApplyPatch(JsonNode? document, JsonNode? operations)
    {
        var errors = JsonPatch.Validate(operations);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        var ops = (JsonArray)operations!;
        var size = MeasureJson(document, _maxDepth).Size;
        var root = document;
        var start = 0;
        do
        {
            // The segment clones the document once; copy, move and test may each clone or compare all of it.
            var end = start;
            var cost = size;
            while (end < ops.Count && end - start < PatchSegmentOps)
            {
                var name = OperationName(ops[end]);
                end++;
                cost += name is "copy" or "move" or "test" ? size : 16;
                if (name is "copy" or "move")
                {
                    break;
                }
            }

            ChargeWork(cost);
            // The document was converted from Lua for this call (and each segment's result is new): it is patched in
            // place, not copied first.
            if (start == 0 && end == ops.Count)
            {
                return JsonPatch.ApplyInPlace(root, ops);
            }

            var segment = new JsonArray();
            for (var i = start; i < end; i++)
            {
                segment.Add(ops[i]!.DeepClone());
            }

            try
            {
                root = JsonPatch.ApplyInPlace(root, segment);
            }
            catch (ValidationException ex) when (start > 0)
            {
                throw new ValidationException(ex.Errors.Select(e => e with { Path = ShiftOperationIndex(e.Path, start) }).ToList());
            }

            (size, var depth) = MeasureJson(root, _maxDepth);
            if (size > _maxOutputBytes)
            {
                throw new ConversionException($"json_patch: the document grew beyond {_maxOutputBytes} bytes of JSON at operation {end - 1}", ScriptLimit.OutputSize);
            }

            if (depth > _maxDepth)
            {
                throw new ConversionException($"json_patch: the document nests deeper than {_maxDepth} levels at operation {end - 1}", ScriptLimit.Depth);
            }

            start = end;
        }
        while (start < ops.Count);

        return root;
    }

    private static string? OperationName(JsonNode? op) =>
        op is JsonObject o && o["op"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : null;

    /// <summary>Rewrites <c>$[k]...</c> to <c>$[start + k]...</c> for an error raised by a segment of the patch.</summary>
    private static string ShiftOperationIndex(string path, int start)
    {
        if (!path.StartsWith("$[", StringComparison.Ordinal))
        {
            return path;
        }

        var close = path.IndexOf(']', 2);
        return close > 2 && int.TryParse(path.AsSpan(2, close - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            ? $"$[{start + k}{path[close..]}"
            : path;
    }

    /// <summary>
    /// A rough size of a document in bytes of JSON (nodes plus string and key lengths) and its nesting depth,
    /// stopping past the output cap or past <paramref name="maxDepth"/>. Iterative: a document of any depth is
    /// measured without recursion.
    /// </summary>
    private (long Size, int Depth) MeasureJson(JsonNode? document, int maxDepth)
    {
        long size = 0;
        var deepest = 0;
        var pending = new Stack<(JsonNode? Node, int Depth)>();
        pending.Push((document, 1));
        while (pending.TryPop(out var entry))
        {
            CountNode();
            size += 2;
            var (node, depth) = entry;
            switch (node)
            {
                case JsonObject obj:
                    deepest = Math.Max(deepest, depth);
                    foreach (var (key, value) in obj)
                    {
                        size += key.Length + 2;
                        pending.Push((value, depth + 1));
                    }

                    break;
                case JsonArray arr:
                    deepest = Math.Max(deepest, depth);
                    foreach (var item in arr)
                    {
                        pending.Push((item, depth + 1));
                    }

                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    size += value.GetValue<string>().Length;
                    break;
                default:
                    size += 8;
                    break;
            }

            if (size > _maxOutputBytes || deepest > maxDepth)
            {
                break;
            }
        }

        return (size, deepest);
    }

    private int UserPrimitive(Func<JsonNode?, JsonNode?> primitive) => ReturnJson(primitive(Arg(1)));
}
