using System.Text;
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
public class LuaExecutorBenchmarks
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
        Console.WriteLine($"document bytes: {doc.ToJsonString().Length}");
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

    [Benchmark]
    public async ValueTask<JsonNode?> Executor() => await _executor.ExecuteAsync(_small);

    [Benchmark]
    public async ValueTask<JsonNode?> ExecutorNoInputConstantResult() => await _executor.ExecuteAsync(_noInput);

    [Benchmark]
    public async ValueTask<JsonNode?> ExecutorDocument2KBInputOnly() => await _executor.ExecuteAsync(_documentInOnly);

    [Benchmark]
    public async ValueTask<JsonNode?> ExecutorDocument2KB() => await _executor.ExecuteAsync(_document);
}
