using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using IssueCore.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Flows;

public sealed class AgentTests
{
    [Fact]
    public async Task Lua_agent_with_inline_source_runs_through_the_script_executor()
    {
        await using var engine = EngineHarness.Create();
        var bp = EngineHarness.Blueprint(
            """{"kind":"step","ref":"add","in":{"op":"path","at":"$.nums"},"out":"$.sum"}""",
            """[{"name":"add","kind":"lua","spec":{"source":"local s = 0 for _, v in ipairs(_CTX) do s = s + v end return {ok = true, value = s}"}}]""");

        var result = await engine.LaunchAsync(bp, new JsonObject { ["nums"] = new JsonArray(1, 2, 3) });

        Assert.Equal(6L, result.FinalContext["sum"]!.GetValue<long>());
    }

    [Fact]
    public async Task Lua_agent_by_fn_id_runs_a_registered_script()
    {
        await using var engine = EngineHarness.Create();
        engine.Provider.GetRequiredService<LuaScriptExecutor>().RegisterScript("greet", "return {ok = true, value = 'hello ' .. _CTX.name}");
        var bp = EngineHarness.Blueprint("""{"kind":"step","ref":"greeter","out":"$.greeting"}""", """[{"name":"greeter","kind":"lua","spec":{"fn_id":"greet"}}]""");

        var result = await engine.LaunchAsync(bp, new JsonObject { ["name"] = "Ada" });

        Assert.Equal("hello Ada", result.FinalContext["greeting"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failing_lua_step_fails_the_run_with_the_script_exception_inside()
    {
        await using var engine = EngineHarness.Create();
        var bp = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"assign","at":"$.x","value":{"op":"const","value":1}},{"kind":"step","ref":"bad"}]}""",
            """[{"name":"bad","kind":"lua","spec":{"source":"error('nope')"}}]""");

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(bp));

        Assert.Equal("$.flow.children[1]", ex.NodePath);
        var script = Assert.IsType<ScriptException>(ex.InnerException);
        Assert.Contains("nope", script.ScriptMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_agent_overrides_a_blueprint_agent_of_the_same_name()
    {
        var host = TestAgent.Constant("from host");
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("patch-spawner", host));
        var bp = EngineHarness.Blueprint(
            """{"kind":"step","ref":"patch-spawner","out":"$.patch"}""",
            """[{"name":"patch-spawner","kind":"lua","spec":{"source":"return {ok = true, value = 'from lua'}"}}]""");

        var result = await engine.LaunchAsync(bp);

        Assert.Equal("from host", result.FinalContext["patch"]!.GetValue<string>());
        Assert.Equal(1, host.Calls);
    }

    [Fact]
    public async Task A_host_agent_receives_the_run_and_node_it_serves()
    {
        AgentInvocation? seen = null;
        var probe = new TestAgent((inv, _) => { seen = inv; return ValueTask.FromResult<JsonNode?>(null); });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("probe", probe));

        var result = await engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"seq","children":[{"kind":"step","ref":"probe","in":{"op":"const","value":{"q":1}}}]}""", EngineHarness.HostAgents("probe")));

        Assert.Equal("probe", seen!.AgentName);
        Assert.Equal(result.RunId, seen.RunId);
        Assert.Equal("$.flow.children[0]", seen.NodePath);
        Assert.Equal("""{"q":1}""", seen.Input!.ToJsonString());
    }

    [Fact]
    public async Task A_declared_host_agent_that_is_not_registered_is_a_validation_error()
    {
        await using var engine = EngineHarness.Create();

        var ex = await Assert.ThrowsAsync<ValidationException>(() => engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"x"}""", EngineHarness.HostAgents("x"))));

        Assert.Equal("$.agents[0].name", ex.Path);
    }

    [Fact]
    public async Task Middleware_runs_in_registration_order_around_every_agent_call()
    {
        var log = new ConcurrentQueue<string>();
        await using var engine = EngineHarness.Create(s => s
            .AddSingleton(log)
            .AddIssueCoreAgent("work", new TestAgent((_, _) => { log.Enqueue("agent"); return ValueTask.FromResult<JsonNode?>(1); }))
            .AddIssueCoreAgentMiddleware<FirstMiddleware>()
            .AddIssueCoreAgentMiddleware<SecondMiddleware>());

        await engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"work"}""", EngineHarness.HostAgents("work")));

        Assert.Equal(["first>", "second>", "agent", "<second", "<first"], log);
    }

    [Fact]
    public async Task Middleware_can_rewrite_the_input()
    {
        var echo = TestAgent.Returning(input => input);
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("echo", echo).AddIssueCoreAgentMiddleware<InjectingMiddleware>());

        var result = await engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"echo","in":{"op":"const","value":"raw"},"out":"$.out"}""", EngineHarness.HostAgents("echo")));

        Assert.Equal("injected", result.FinalContext["out"]!.GetValue<string>());
    }

    private sealed class FirstMiddleware(ConcurrentQueue<string> log) : IAgentMiddleware
    {
        public async ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken)
        {
            log.Enqueue("first>");
            var result = await next(invocation, cancellationToken);
            log.Enqueue("<first");
            return result;
        }
    }

    private sealed class SecondMiddleware(ConcurrentQueue<string> log) : IAgentMiddleware
    {
        public async ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken)
        {
            log.Enqueue("second>");
            var result = await next(invocation, cancellationToken);
            log.Enqueue("<second");
            return result;
        }
    }

    private sealed class InjectingMiddleware : IAgentMiddleware
    {
        public ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken)
            => next(invocation with { Input = "injected" }, cancellationToken);
    }
}
