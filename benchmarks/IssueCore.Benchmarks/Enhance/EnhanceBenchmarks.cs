using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Benchmarks.Enhance;

/// <summary>
/// End-to-end dispatch of one issue (enqueue, claim, the enhance-default flow with the four built-in axes, commit,
/// log entry, status) on the in-memory adapters, against the raw cost of running the flow's three Lua scripts
/// (patch-spawner, patch-applier, committer) through the executor alone with the very inputs the flow gives them.
/// Fresh stores for every iteration, so the queue and the history stay short.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(256)]
public class EnhanceBenchmarks
{
    private static readonly BlueprintId Target = BlueprintId.Parse("orders");

    private static readonly Blueprint TargetV1 = Blueprint.Parse("""
        {"id":"orders","metadata":{"version_label":"1.0.0","owner":"team-a"},
         "agents":[{"name":"price","kind":"lua","spec":{"fn_id":"orders.price"}}],
         "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
        """);

    private ServiceProvider? _provider;
    private EnhanceApplication _app = null!;
    private IScriptExecutor _executor = null!;
    private JsonNode? _spawnerInput;
    private JsonNode? _applierInput;
    private JsonNode? _committerInput;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        // One real dispatch with a capturing middleware gives the exact inputs of the three scripts.
        var capture = new CapturingMiddleware();
        using var provider = Build(s => s.AddSingleton<IssueCore.Agents.IAgentMiddleware>(capture));
        var app = provider.GetRequiredService<EnhanceApplication>();
        SeedAsync(provider, app).AsTask().GetAwaiter().GetResult();
        app.HandleAsync(Draft(0)).GetAwaiter().GetResult();
        var outcome = app.TickAsync().GetAwaiter().GetResult();
        if (outcome?.Result != DispatchResult.Applied)
        {
            throw new InvalidOperationException("The set-up dispatch did not apply: " + outcome?.Reason);
        }

        _spawnerInput = capture.Inputs["patch-spawner"];
        _applierInput = capture.Inputs["patch-applier"];
        _committerInput = capture.Inputs["committer"];
    }

    [IterationSetup(Target = nameof(DispatchEndToEnd))]
    public void FreshStores()
    {
        _provider?.Dispose();
        _provider = Build(null);
        _app = _provider.GetRequiredService<EnhanceApplication>();
        SeedAsync(_provider, _app).AsTask().GetAwaiter().GetResult();
        _next = 0;
    }

    [IterationSetup(Target = nameof(DispatchEndToEndWithoutRunRecording))]
    public void FreshStoresWithoutRunRecording()
    {
        _provider?.Dispose();
        _provider = Build(s => s.AddSingleton<IssueCore.Council.ICouncilRepository, IssueCore.Benchmarks.Flows.NoopCouncilRepository>());
        _app = _provider.GetRequiredService<EnhanceApplication>();
        SeedAsync(_provider, _app).AsTask().GetAwaiter().GetResult();
        _next = 0;
    }

    [IterationSetup(Target = nameof(RawScripts))]
    public void RawSetup()
    {
        _executor ??= Build(null).GetRequiredService<IScriptExecutor>();
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    [Benchmark(Baseline = true, Description = "3 enhance Lua scripts, executor alone")]
    public async Task<JsonNode?> RawScripts()
    {
        await _executor.ExecuteAsync(new ScriptInvocation { Name = "patch-spawner", FnId = "enhance.patch-spawner", Input = _spawnerInput });
        await _executor.ExecuteAsync(new ScriptInvocation { Name = "patch-applier", FnId = "enhance.patch-applier", Input = _applierInput });
        return await _executor.ExecuteAsync(new ScriptInvocation { Name = "committer", FnId = "enhance.committer", Input = _committerInput });
    }

    [Benchmark(Description = "dispatch one issue end to end (4 axes, in-memory)")]
    public async Task<DispatchOutcome?> DispatchEndToEnd()
    {
        await _app.HandleAsync(Draft(++_next));
        return await _app.TickAsync();
    }

    [Benchmark(Description = "dispatch one issue end to end, council runs not recorded")]
    public async Task<DispatchOutcome?> DispatchEndToEndWithoutRunRecording()
    {
        await _app.HandleAsync(Draft(++_next));
        return await _app.TickAsync();
    }

    private static IssueDraft Draft(int i) => new()
    {
        BlueprintId = Target,
        Intent = "hand over",
        Patch = JsonDocument.Parse($$"""[{"op":"replace","path":"/metadata/owner","value":"owner-{{i}}"}]""").RootElement.Clone(),
    };

    private static ServiceProvider Build(Action<IServiceCollection>? configure)
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.SigningKey = Convert.ToBase64String(new byte[32])).UseInMemory();
        services.Configure<EnhanceApplicationOptions>(o => o.DispatcherId = "bench");
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static async ValueTask SeedAsync(ServiceProvider provider, EnhanceApplication app)
    {
        await app.InstallDefaultFlowAsync();
        await provider.GetRequiredService<IBlueprintStore>().WriteNewAsync(Target, TargetV1, [], new CommitMetadata("seed", Origin: "seed"));
    }
}
