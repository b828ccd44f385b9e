using System.Text.Json.Nodes;
using IssueCore.Engine.Tests.Support;
using IssueCore.Flows;
using IssueCore.Launch;

namespace IssueCore.Engine.Tests.Flows.Expressions;

public sealed class FlowExpressionTests
{
    private static async Task<JsonNode?> AssignAsync(string expression, JsonObject? ctx = null)
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint($$"""{"kind":"assign","at":"$.r","value":{{expression}}}""");
        var result = await engine.LaunchAsync(flow, ctx ?? Context());
        return result.FinalContext["r"];
    }

    private static JsonObject Context() => JsonNode.Parse("""{"n":3,"m":4.5,"s":"héllo😀","xs":[1,"a",{"k":[2]}],"o":{"k":1,"v":null},"t":true,"f":false}""")!.AsObject();

    private static string P(string at) => $$"""{"op":"path","at":"{{at}}"}""";

    private static string C(string json) => $$"""{"op":"const","value":{{json}}}""";

    private static string Op(string op, params string[] args) => $$"""{"op":"{{op}}","args":[{{string.Join(",", args)}}]}""";

    [Theory]
    [InlineData("eq", "$.n", "3.0", true)]
    [InlineData("eq", "$.o", "{\"v\":null,\"k\":1}", true)]
    [InlineData("eq", "$.xs", "[1,\"a\",{\"k\":[2]}]", true)]
    [InlineData("ne", "$.s", "\"hello\"", true)]
    [InlineData("lt", "$.n", "4", true)]
    [InlineData("le", "$.n", "3", true)]
    [InlineData("gt", "$.m", "4.5", false)]
    [InlineData("ge", "$.m", "4.5", true)]
    [InlineData("lt", "$.s", "\"z\"", true)]
    [InlineData("in", "$.n", "[1,2,3]", true)]
    public async Task Comparisons_read_the_ctx_and_produce_booleans(string op, string at, string constant, bool expected)
    {
        var r = await AssignAsync(Op(op, P(at), C(constant)));

        Assert.Equal(expected, r!.GetValue<bool>());
    }

    [Fact]
    public async Task Arithmetic_keeps_integers_integral_and_divides_as_numbers()
    {
        Assert.Equal("7", (await AssignAsync(Op("add", P("$.n"), C("4"))))!.ToJsonString());
        Assert.Equal("-1.5", (await AssignAsync(Op("sub", P("$.n"), P("$.m"))))!.ToJsonString());
        Assert.Equal("13.5", (await AssignAsync(Op("mul", P("$.n"), P("$.m"))))!.ToJsonString());
        Assert.Equal("0.75", (await AssignAsync(Op("div", P("$.n"), C("4"))))!.ToJsonString());
        Assert.Equal("2", (await AssignAsync(Op("div", C("6"), P("$.n"))))!.ToJsonString());
    }

    [Fact]
    public async Task Len_counts_code_points_elements_and_members()
    {
        Assert.Equal(6, (await AssignAsync(Op("len", P("$.s"))))!.GetValue<int>());
        Assert.Equal(3, (await AssignAsync(Op("len", P("$.xs"))))!.GetValue<int>());
        Assert.Equal(2, (await AssignAsync(Op("len", P("$.o"))))!.GetValue<int>());
    }

    [Fact]
    public async Task In_finds_array_elements_substrings_and_member_names()
    {
        Assert.True((await AssignAsync(Op("in", C("{\"k\":[2]}"), P("$.xs"))))!.GetValue<bool>());
        Assert.True((await AssignAsync(Op("in", C("\"llo😀\""), P("$.s"))))!.GetValue<bool>());
        Assert.True((await AssignAsync(Op("in", C("\"v\""), P("$.o"))))!.GetValue<bool>());
        Assert.False((await AssignAsync(Op("in", C("\"z\""), P("$.o"))))!.GetValue<bool>());
    }

    [Fact]
    public async Task Not_and_or_combine_booleans_and_exists_asks_for_presence()
    {
        Assert.False((await AssignAsync(Op("not", P("$.t"))))!.GetValue<bool>());
        Assert.False((await AssignAsync(Op("and", P("$.t"), P("$.f"), P("$.t"))))!.GetValue<bool>());
        Assert.True((await AssignAsync(Op("or", P("$.f"), P("$.t"))))!.GetValue<bool>());
        Assert.True((await AssignAsync("""{"op":"exists","at":"$.o.v"}"""))!.GetValue<bool>());
        Assert.False((await AssignAsync("""{"op":"exists","at":"$.o.w"}"""))!.GetValue<bool>());
    }

    [Fact]
    public async Task And_stops_at_the_first_false_so_a_guarded_missing_path_is_never_read()
    {
        var r = await AssignAsync(Op("and", """{"op":"exists","at":"$.absent"}""", Op("gt", P("$.absent"), C("1"))));

        Assert.False(r!.GetValue<bool>());
    }

    [Theory]
    [InlineData("""{"op":"add","args":[{"op":"path","at":"$.s"},{"op":"const","value":1}]}""", FlowErrorKinds.Type)]
    [InlineData("""{"op":"lt","args":[{"op":"path","at":"$.n"},{"op":"path","at":"$.s"}]}""", FlowErrorKinds.Type)]
    [InlineData("""{"op":"len","args":[{"op":"path","at":"$.n"}]}""", FlowErrorKinds.Type)]
    [InlineData("""{"op":"not","args":[{"op":"path","at":"$.s"}]}""", FlowErrorKinds.Type)]
    [InlineData("""{"op":"in","args":[{"op":"path","at":"$.n"},{"op":"path","at":"$.s"}]}""", FlowErrorKinds.Type)]
    [InlineData("""{"op":"div","args":[{"op":"path","at":"$.n"},{"op":"sub","args":[{"op":"path","at":"$.n"},{"op":"const","value":3}]}]}""", FlowErrorKinds.Arithmetic)]
    [InlineData("""{"op":"eq","args":[{"op":"path","at":"$.o.w"},{"op":"const","value":null}]}""", FlowErrorKinds.PathNotFound)]
    public async Task Operand_errors_the_validator_cannot_see_fail_the_run_with_a_typed_kind(string expression, string kind)
    {
        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => AssignAsync(expression));

        Assert.Equal(kind, ex.ErrorKind);
        Assert.Equal("$.flow", ex.NodePath);
        Assert.Contains(": $.flow.value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_typed_expression_error_inside_try_is_caught_like_any_other()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"try","body":{"kind":"assign","at":"$.r","value":{"op":"path","at":"$.absent"}},"catch":{"kind":"assign","at":"$.kind","value":{"op":"path","at":"$.error.kind"}}}""");

        var result = await engine.LaunchAsync(flow);

        Assert.Equal(FlowErrorKinds.PathNotFound, result.FinalContext["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_branch_on_a_comparison_runs_without_an_agent_step()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint(
            """{"kind":"branch","cond":{"op":"ge","args":[{"op":"len","args":[{"op":"path","at":"$.xs"}]},{"op":"const","value":3}]},"then":{"kind":"assign","at":"$.big","value":{"op":"const","value":true}},"else":{"kind":"assign","at":"$.big","value":{"op":"const","value":false}}}""");

        var result = await engine.LaunchAsync(flow, Context());

        Assert.True(result.FinalContext["big"]!.GetValue<bool>());
    }
}
