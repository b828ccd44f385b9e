using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using IssueCore.Engine.Tests.Support;
using IssueCore.Flows;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Flows;

public sealed class FlowNodeTests
{
    [Fact]
    public async Task Step_passes_the_selected_input_and_writes_the_output_at_out()
    {
        var doubler = TestAgent.Returning(input => input!.GetValue<int>() * 2);
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("double", doubler));
        var flow = EngineHarness.Blueprint("""{"kind":"step","ref":"double","in":{"op":"path","at":"$.n"},"out":"$.result.value"}""", EngineHarness.HostAgents("double"));

        var result = await engine.LaunchAsync(flow, new JsonObject { ["n"] = 21 });

        Assert.Equal(42, result.FinalContext["result"]!["value"]!.GetValue<int>());
        Assert.Equal(21, result.FinalContext["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Seq_runs_children_in_order_over_the_same_ctx()
    {
        var order = new ConcurrentQueue<string>();
        var a = new TestAgent((inv, _) => { order.Enqueue("a"); return ValueTask.FromResult<JsonNode?>("A"); });
        var b = new TestAgent((inv, _) => { order.Enqueue("b:" + inv.Input!.GetValue<string>()); return ValueTask.FromResult<JsonNode?>("B"); });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("a", a).AddIssueCoreAgent("b", b));
        var flow = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"step","ref":"a","out":"$.x"},{"kind":"step","ref":"b","in":{"op":"path","at":"$.x"},"out":"$.y"}]}""",
            EngineHarness.HostAgents("a", "b"));

        var result = await engine.LaunchAsync(flow);

        Assert.Equal(["a", "b:A"], order);
        Assert.Equal("B", result.FinalContext["y"]!.GetValue<string>());
    }

    [Fact]
    public async Task Assign_writes_constants_and_copies_paths()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"assign","at":"$.a.b","value":{"op":"const","value":{"k":[1,2]}}},{"kind":"assign","at":"$.c","value":{"op":"path","at":"$.a.b.k[1]"}},{"kind":"assign","at":"$.a.b.k[2]","value":{"op":"const","value":3}}]}""");

        var result = await engine.LaunchAsync(flow);

        Assert.Equal("""{"a":{"b":{"k":[1,2,3]}},"c":2}""", result.FinalContext.ToJsonString());
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task Branch_takes_then_for_true_and_else_for_false(string value, bool expectThen)
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"branch","cond":{"op":"path","at":"$.v"},"then":{"kind":"assign","at":"$.took","value":{"op":"const","value":"then"}},"else":{"kind":"assign","at":"$.took","value":{"op":"const","value":"else"}}}""");

        var result = await engine.LaunchAsync(flow, new JsonObject { ["v"] = JsonNode.Parse(value) });

        Assert.Equal(expectThen ? "then" : "else", result.FinalContext["took"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("\"false\"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("{}")]
    [InlineData("[]")]
    public async Task Branch_on_a_value_that_is_not_a_boolean_fails_with_a_type_error_naming_the_node(string value)
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"branch","cond":{"op":"path","at":"$.v"},"then":{"kind":"assign","at":"$.took","value":{"op":"const","value":"then"}},"else":{"kind":"assign","at":"$.took","value":{"op":"const","value":"else"}}}]}""");

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow, new JsonObject { ["v"] = JsonNode.Parse(value) }));

        Assert.Equal(FlowErrorKinds.Type, ex.ErrorKind);
        Assert.Equal("$.flow.children[0]", ex.NodePath);
        Assert.Contains("$.flow.children[0].cond: a condition must be a boolean", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Branch_on_a_missing_path_fails_with_path_not_found()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"branch","cond":{"op":"path","at":"$.nothing.here"},"then":{"kind":"assign","at":"$.took","value":{"op":"const","value":"then"}}}""");

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow));

        Assert.Equal(FlowErrorKinds.PathNotFound, ex.ErrorKind);
        Assert.Equal("$.flow", ex.NodePath);
        Assert.Contains("'$.nothing.here'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Branch_that_asks_with_exists_takes_else_for_a_missing_path()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"branch","cond":{"op":"and","args":[{"op":"exists","at":"$.nothing.here"},{"op":"path","at":"$.nothing.here"}]},"then":{"kind":"assign","at":"$.took","value":{"op":"const","value":"then"}},"else":{"kind":"assign","at":"$.took","value":{"op":"const","value":"else"}}}""");

        var result = await engine.LaunchAsync(flow);

        Assert.Equal("else", result.FinalContext["took"]!.GetValue<string>());
    }

    [Fact]
    public async Task Loop_until_that_is_not_a_boolean_fails_with_a_type_error()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"loop","max_iterations":5,"until":{"op":"path","at":"$.done"},"body":{"kind":"assign","at":"$.done","value":{"op":"const","value":"yes"}}}""");

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow));

        Assert.Equal(FlowErrorKinds.Type, ex.ErrorKind);
    }

    [Fact]
    public async Task Step_input_from_a_missing_path_fails_with_path_not_found_before_the_agent_runs()
    {
        var agent = TestAgent.Returning(input => input);
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("echo", agent));
        var flow = EngineHarness.Blueprint("""{"kind":"step","ref":"echo","in":{"op":"path","at":"$.missing"},"out":"$.r"}""", EngineHarness.HostAgents("echo"));

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow));

        Assert.Equal(FlowErrorKinds.PathNotFound, ex.ErrorKind);
        Assert.Equal(0, agent.Calls);
    }

    [Fact]
    public async Task A_present_null_is_read_as_null_not_as_missing()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint("""{"kind":"assign","at":"$.copy","value":{"op":"eq","args":[{"op":"path","at":"$.v"},{"op":"const","value":null}]}}""");

        var result = await engine.LaunchAsync(flow, new JsonObject { ["v"] = null });

        Assert.True(result.FinalContext["copy"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Loop_repeats_its_body_until_the_condition_holds()
    {
        var counter = TestAgent.Returning(input => input!.GetValue<int>() + 1);
        var check = TestAgent.Returning(input => input!.GetValue<int>() >= 3);
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("inc", counter).AddIssueCoreAgent("check", check));
        var flow = EngineHarness.Blueprint(
            """{"kind":"loop","max_iterations":10,"until":{"op":"path","at":"$.done"},"body":{"kind":"seq","children":[{"kind":"step","ref":"inc","in":{"op":"path","at":"$.n"},"out":"$.n"},{"kind":"step","ref":"check","in":{"op":"path","at":"$.n"},"out":"$.done"}]}}""",
            EngineHarness.HostAgents("inc", "check"));

        var result = await engine.LaunchAsync(flow, new JsonObject { ["n"] = 0 });

        Assert.Equal(3, result.FinalContext["n"]!.GetValue<int>());
        Assert.Equal(3, counter.Calls);
    }

    [Fact]
    public async Task Loop_that_reaches_max_iterations_fails_with_loop_limit()
    {
        var counter = TestAgent.Returning(input => input!.GetValue<int>() + 1);
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("inc", counter));
        var flow = EngineHarness.Blueprint(
            """{"kind":"loop","max_iterations":4,"until":{"op":"const","value":false},"body":{"kind":"step","ref":"inc","in":{"op":"path","at":"$.n"},"out":"$.n"}}""",
            EngineHarness.HostAgents("inc"));

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow, new JsonObject { ["n"] = 0 }));

        Assert.Equal(FlowErrorKinds.LoopLimit, ex.ErrorKind);
        Assert.Equal("$.flow", ex.NodePath);
        Assert.Equal(4, counter.Calls);
    }

    [Fact]
    public async Task Try_rolls_back_the_body_writes_records_the_error_and_runs_catch()
    {
        var boom = new TestAgent((_, _) => throw new InvalidOperationException("boom"));
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("boom", boom));
        var flow = EngineHarness.Blueprint(
            """
            {"kind":"try",
             "body":{"kind":"seq","children":[{"kind":"assign","at":"$.partial","value":{"op":"const","value":1}},{"kind":"step","ref":"boom"}]},
             "catch":{"kind":"assign","at":"$.recovered","value":{"op":"path","at":"$.error.kind"}}}
            """,
            EngineHarness.HostAgents("boom"));

        var result = await engine.LaunchAsync(flow, new JsonObject { ["keep"] = true });

        Assert.False(result.FinalContext.ContainsKey("partial"));
        Assert.True(result.FinalContext["keep"]!.GetValue<bool>());
        Assert.Equal("boom", result.FinalContext["error"]!["message"]!.GetValue<string>());
        Assert.Equal(FlowErrorKinds.Agent, result.FinalContext["error"]!["kind"]!.GetValue<string>());
        Assert.Equal("$.flow.body.children[1]", result.FinalContext["error"]!["node"]!.GetValue<string>());
        Assert.Equal(FlowErrorKinds.Agent, result.FinalContext["recovered"]!.GetValue<string>());
    }

    [Fact]
    public async Task Try_keeps_the_body_writes_when_it_succeeds()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint("""{"kind":"try","body":{"kind":"assign","at":"$.x","value":{"op":"const","value":1}},"catch":{"kind":"assign","at":"$.caught","value":{"op":"const","value":true}}}""");

        var result = await engine.LaunchAsync(flow);

        Assert.Equal("""{"x":1}""", result.FinalContext.ToJsonString());
    }

    [Fact]
    public async Task Nested_seq_fanout_branch_and_try_compose()
    {
        var square = TestAgent.Returning(input => input!.GetValue<int>() * input.GetValue<int>());
        var fail = new TestAgent((_, _) => throw new InvalidOperationException("odd"));
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("square", square).AddIssueCoreAgent("fail", fail));
        var flow = EngineHarness.Blueprint(
            """
            {"kind":"seq","children":[
              {"kind":"assign","at":"$.items","value":{"op":"const","value":[{"n":2,"even":true},{"n":3,"even":false}]}},
              {"kind":"fanout","items":"$.items","bind":"$.item","join":"all","out":"$.results","body":
                {"kind":"branch","cond":{"op":"path","at":"$.item.even"},
                 "then":{"kind":"step","ref":"square","in":{"op":"path","at":"$.item.n"},"out":"$.sq"},
                 "else":{"kind":"try","body":{"kind":"step","ref":"fail"},"catch":{"kind":"assign","at":"$.sq","value":{"op":"const","value":-1}}}}},
              {"kind":"assign","at":"$.first","value":{"op":"path","at":"$.results[0].sq"}},
              {"kind":"assign","at":"$.second","value":{"op":"path","at":"$.results[1].sq"}}
            ]}
            """,
            EngineHarness.HostAgents("square", "fail"));

        var result = await engine.LaunchAsync(flow);

        Assert.Equal(4, result.FinalContext["first"]!.GetValue<int>());
        Assert.Equal(-1, result.FinalContext["second"]!.GetValue<int>());
        Assert.False(result.FinalContext.ContainsKey("item"));
    }

    [Fact]
    public async Task Try_writes_the_error_where_err_at_says_and_leaves_the_default_path_alone()
    {
        var boom = new TestAgent((_, _) => throw new InvalidOperationException("boom"));
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("boom", boom));
        var flow = EngineHarness.Blueprint(
            """{"kind":"try","err_at":"$.failures.last","body":{"kind":"step","ref":"boom"},"catch":{"kind":"assign","at":"$.seen","value":{"op":"path","at":"$.failures.last.message"}}}""",
            EngineHarness.HostAgents("boom"));

        var result = await engine.LaunchAsync(flow, new JsonObject { ["error"] = "a value of the caller" });

        Assert.Equal("boom", result.FinalContext["failures"]!["last"]!["message"]!.GetValue<string>());
        Assert.Equal(FlowErrorKinds.Agent, result.FinalContext["failures"]!["last"]!["kind"]!.GetValue<string>());
        Assert.Equal("boom", result.FinalContext["seen"]!.GetValue<string>());
        Assert.Equal("a value of the caller", result.FinalContext["error"]!.GetValue<string>());
    }
}
