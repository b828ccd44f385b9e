using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using IssueCore.Scripting;
using KeraLua;

namespace IssueCore.Benchmarks.Scripting;

/// <summary>
/// Raw KeraLua (one reused state, a precompiled chunk held by a registry reference, input already set
/// as a global table, <c>pcall</c>) against <see cref="LuaScriptExecutor.ExecuteAsync"/> with the same
/// script and input; raw KeraLua that also pushes the input and returns a JSON value per call; and the executor
/// marshalling a ~2 KB document in and out per call.
/// </summary>
[MemoryDiagnoser]
public partial class LuaExecutorBenchmarks
{
    private const string Script = "return { ok = true, value = _CTX.a * _CTX.b + 1 }";
    private const string EchoScript = "return { ok = true, value = _CTX }";

    private Lua _raw = null!;
    private int _chunkRef;
    private LuaScriptExecutor _executor = null!;
    private ScriptInvocation _small = null!;
    private ScriptInvocation _document = null!;
    private ScriptInvocation _documentInOnly = null!;
    private ScriptInvocation _noInput = null!;
    private byte[] _documentUtf8 = null!;
    private int _echoRef;
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _raw = new Lua(openLibs: true) { Encoding = Encoding.UTF8 };
        _raw.NewTable();
        _raw.PushInteger(6);
        _raw.SetField(-2, "a");
        _raw.PushInteger(7);
        _raw.SetField(-2, "b");
        _raw.SetGlobal("_CTX");
        if (_raw.LoadString(Script, "=bench") != LuaStatus.OK)
        {
            throw new InvalidOperationException(_raw.ToString(-1));
        }

        _chunkRef = _raw.Ref(LuaRegistry.Index);
        if (_raw.LoadString(EchoScript, "=echo") != LuaStatus.OK)
        {
            throw new InvalidOperationException(_raw.ToString(-1));
        }

        _echoRef = _raw.Ref(LuaRegistry.Index);
        _writer = new Utf8JsonWriter(_output, new JsonWriterOptions { SkipValidation = true });

        _executor = new LuaScriptExecutor(new LuaScriptExecutorOptions { PoolSize = 1 });
        _executor.RegisterScript("bench", Script);
        _executor.RegisterScript("echo", EchoScript);
        _small = new ScriptInvocation { Name = "bench", FnId = "bench", Input = new JsonObject { ["a"] = 6, ["b"] = 7 } };

        var items = new JsonArray();
        for (var i = 0; i < 27; i++)
        {
            items.Add(new JsonObject { ["id"] = i, ["name"] = $"item-{i}", ["price"] = 9.99 + i, ["tags"] = new JsonArray("a", "b"), ["ok"] = i % 2 == 0 });
        }

        var doc = new JsonObject { ["issue"] = "ISS-1", ["items"] = items };
        _document = new ScriptInvocation { Name = "echo", FnId = "echo", Input = JsonNode.Parse(doc.ToJsonString()) };
        _executor.RegisterScript("drop", "return { ok = true, value = 1 }");
        _documentInOnly = _document with { Name = "drop", FnId = "drop" };
        _noInput = new ScriptInvocation { Name = "drop", FnId = "drop" };
        _documentUtf8 = Encoding.UTF8.GetBytes(doc.ToJsonString());
        Console.WriteLine($"document bytes: {_documentUtf8.Length}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Close();
        _executor.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long RawKeraLua()
    {
        _raw.RawGetInteger(LuaRegistry.Index, _chunkRef);
        if (_raw.PCall(0, 1, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException(_raw.ToString(-1));
        }

        _raw.GetField(-1, "value");
        var value = _raw.ToInteger(-1);
        _raw.SetTop(0);
        return value;
    }

    /// <summary>
    /// Raw KeraLua doing the same job as the executor's small call, with none of its isolation: the input object is
    /// pushed as <c>_CTX</c> on every call and the result comes back as a <see cref="JsonNode"/>, on a reused state with
    /// all libraries and no budgets.
    /// </summary>
    [Benchmark]
    public JsonNode? RawKeraLuaWithInputAndJsonResult()
    {
        var input = _small.Input!.AsObject();
        _raw.CreateTable(0, input.Count);
        foreach (var (key, value) in input)
        {
            _raw.PushInteger(value!.GetValue<int>());
            _raw.SetField(-2, key);
        }

        _raw.SetGlobal("_CTX");
        _raw.RawGetInteger(LuaRegistry.Index, _chunkRef);
        if (_raw.PCall(0, 1, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException(_raw.ToString(-1));
        }

        _raw.GetField(-1, "value");
        JsonNode? result = _raw.IsInteger(-1) ? JsonValue.Create(_raw.ToInteger(-1)) : null;
        _raw.SetTop(0);
        return result;
    }

    /// <summary>
    /// Raw KeraLua round trip of the same ~2 KB document the executor's document rows carry, with none of its isolation:
    /// the UTF-8 JSON read with <see cref="Utf8JsonReader"/> straight onto the Lua stack as plain tables and set as
    /// <c>_CTX</c>, the precompiled echo chunk called, and the returned value written back with
    /// <see cref="Utf8JsonWriter"/> into a reused buffer (a table with a sequence part is an array).
    /// </summary>
    [Benchmark]
    public int RawKeraLuaDocument2KBRoundTrip()
    {
        var reader = new Utf8JsonReader(_documentUtf8);
        reader.Read();
        RawPush(ref reader);
        _raw.SetGlobal("_CTX");
        _raw.RawGetInteger(LuaRegistry.Index, _echoRef);
        if (_raw.PCall(0, 1, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException(_raw.ToString(-1));
        }

        _raw.GetField(-1, "value");
        _output.ResetWrittenCount();
        _writer.Reset(_output);
        RawWrite(_raw.GetTop());
        _writer.Flush();
        _raw.SetTop(0);
        return _output.WrittenCount;
    }

    private void RawPush(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                _raw.NewTable();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    RawPushString(reader.ValueSpan);
                    reader.Read();
                    RawPush(ref reader);
                    _raw.RawSet(-3);
                }

                return;
            case JsonTokenType.StartArray:
                _raw.NewTable();
                var i = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    RawPush(ref reader);
                    _raw.RawSetInteger(-2, ++i);
                }

                return;
            case JsonTokenType.String:
                RawPushString(reader.ValueSpan);
                return;
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var n))
                {
                    _raw.PushInteger(n);
                }
                else
                {
                    _raw.PushNumber(reader.GetDouble());
                }

                return;
            case JsonTokenType.True:
                _raw.PushBoolean(true);
                return;
            case JsonTokenType.False:
                _raw.PushBoolean(false);
                return;
            default:
                _raw.PushNil();
                return;
        }
    }

    // The strings cross without a managed copy, as the executor's do (KeraLua's own string calls allocate arrays).
    private unsafe void RawPushString(ReadOnlySpan<byte> text)
    {
        fixed (byte* p = text)
        {
            LuaPushLString(_raw.Handle, p, (nuint)text.Length);
        }
    }

    private unsafe ReadOnlySpan<byte> RawString(int index)
    {
        var p = LuaToLString(_raw.Handle, index, out var length);
        return new ReadOnlySpan<byte>(p, checked((int)length));
    }

    [LibraryImport("lua54", EntryPoint = "lua_pushlstring")]
    private static unsafe partial IntPtr LuaPushLString(IntPtr state, byte* s, nuint length);

    [LibraryImport("lua54", EntryPoint = "lua_tolstring")]
    private static unsafe partial byte* LuaToLString(IntPtr state, int index, out nuint length);

    private void RawWrite(int index)
    {
        switch (_raw.Type(index))
        {
            case LuaType.Table:
                var length = (int)_raw.RawLen(index);
                if (length > 0)
                {
                    _writer.WriteStartArray();
                    for (var i = 1; i <= length; i++)
                    {
                        _raw.RawGetInteger(index, i);
                        RawWrite(_raw.GetTop());
                        _raw.Pop(1);
                    }

                    _writer.WriteEndArray();
                    return;
                }

                _writer.WriteStartObject();
                _raw.PushNil();
                while (_raw.Next(index))
                {
                    _writer.WritePropertyName(RawString(-2));
                    RawWrite(_raw.GetTop());
                    _raw.Pop(1);
                }

                _writer.WriteEndObject();
                return;
            case LuaType.String:
                _writer.WriteStringValue(RawString(index));
                return;
            case LuaType.Number:
                if (_raw.IsInteger(index))
                {
                    _writer.WriteNumberValue(_raw.ToInteger(index));
                }
                else
                {
                    _writer.WriteNumberValue(_raw.ToNumber(index));
                }

                return;
            case LuaType.Boolean:
                _writer.WriteBooleanValue(_raw.ToBoolean(index));
                return;
            default:
                _writer.WriteNullValue();
                return;
        }
    }

    [Benchmark]
    public async ValueTask<JsonNode?> Executor() => await _executor.ExecuteAsync(_small);

    [Benchmark]
    public async ValueTask<JsonNode?> ExecutorNoInputConstantResult() => await _executor.ExecuteAsync(_noInput);

    [Benchmark]
    public async ValueTask<JsonNode?> ExecutorDocument2KBInputOnly() => await _executor.ExecuteAsync(_documentInOnly);

    [Benchmark]
    public async ValueTask<JsonNode?> ExecutorDocument2KB() => await _executor.ExecuteAsync(_document);
}
