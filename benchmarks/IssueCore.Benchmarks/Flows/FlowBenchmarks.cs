using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using IssueCore.Blueprints;
using IssueCore.Launch;
using IssueCore.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Benchmarks.Flows;

/// <summary>
/// The flow engine's overhead: a seq of ten trivial Lua steps launched through <see cref="TaskLaunchService"/>
/// (validation, binding, middleware, in-memory recording) against ten raw executor calls, and a fan-out of 16 branches.
/// </summary>
[MemoryDiagnoser]
public class FlowBenchmarks
{
    private const string Trivial = "return {ok = true, value = 1}";

    private ServiceProvider _provider = null!;
    private TaskLaunchService _launcher = null!;
    private ServiceProvider _bareProvider = null!;
    private TaskLaunchService _bareLauncher = null!;
    private IScriptExecutor _executor = null!;
    private Blueprint _seq = null!;
    private Blueprint _fanout = null!;
    private JsonObject _fanoutCtx = null!;

    [GlobalSetup]
    public void Setup()
    {
        _provider = new ServiceCollection()
            .AddIssueCore(o => o.Security.SigningKey = Convert.ToBase64String(new byte[32]))
            .UseInMemory()
            .BuildServiceProvider();
        _launcher = _provider.GetRequiredService<TaskLaunchService>();
        _bareProvider = new ServiceCollection()
            .AddIssueCore(o => o.Security.SigningKey = Convert.ToBase64String(new byte[32]))
            .AddSingleton<IssueCore.Council.ICouncilRepository, NoopCouncilRepository>()
            .BuildServiceProvider();
        _bareLauncher = _bareProvider.GetRequiredService<TaskLaunchService>();
        _executor = _provider.GetRequiredService<IScriptExecutor>();
        var steps = string.Join(",", Enumerable.Range(0, 10).Select(i => $$"""{"kind":"step","ref":"one","in":{"op":"const","value":{{i}}},"out":"$.s{{i}}"}"""));
        const string Agents = """[{"name":"one","kind":"lua","spec":{"source":"return {ok = true, value = 1}"}}]""";
        _seq = Blueprint.Parse("""{"id":"bench-seq","flow":{"kind":"seq","children":[""" + steps + "]},\"agents\":" + Agents + "}");
        _fanout = Blueprint.Parse("""{"id":"bench-fanout","flow":{"kind":"fanout","items":"$.items","bind":"$.item","out":"$.results","body":{"kind":"step","ref":"one","in":{"op":"path","at":"$.item"},"out":"$.r"}},"agents":""" + Agents + "}");
        _fanoutCtx = new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, 16).Select(i => (JsonNode)i)]) };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _bareProvider.Dispose();
    }

    [Benchmark(Baseline = true, Description = "10 raw executor calls")]
    public async Task<JsonNode?> RawExecutorCalls()
    {
        JsonNode? last = null;
        for (var i = 0; i < 10; i++)
        {
            last = await _executor.ExecuteAsync(new ScriptInvocation { Name = "one", Source = Trivial, Input = i });
        }

        return last;
    }

    [Benchmark(Description = "seq of 10 Lua steps (launch)")]
    public async Task<JsonObject> SeqOfTenLuaSteps()
        => (await _launcher.LaunchAsync(new LaunchRequest { Flow = _seq, InitialContext = [], OperatorId = "bench", Role = "automate" })).FinalContext;

    [Benchmark(Description = "seq of 10 Lua steps (launch, no recording)")]
    public async Task<JsonObject> SeqOfTenLuaStepsWithoutRecording()
        => (await _bareLauncher.LaunchAsync(new LaunchRequest { Flow = _seq, InitialContext = [], OperatorId = "bench", Role = "automate" })).FinalContext;

    [Benchmark(Description = "fanout of 16 Lua branches (launch)")]
    public async Task<JsonObject> FanoutOfSixteen()
        => (await _launcher.LaunchAsync(new LaunchRequest { Flow = _fanout, InitialContext = _fanoutCtx, OperatorId = "bench", Role = "automate" })).FinalContext;
}
