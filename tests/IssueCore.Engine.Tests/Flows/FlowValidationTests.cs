using IssueCore.Blueprints;
using IssueCore.Engine.Tests.Support;
using IssueCore.Flows;

namespace IssueCore.Engine.Tests.Flows;

public sealed class FlowValidationTests
{
    [Fact]
    public void A_valid_blueprint_has_no_errors()
    {
        var bp = EngineHarness.Blueprint(
            """{"kind":"seq","children":[{"kind":"step","ref":"spawn","in":{"op":"path","at":"$"},"out":"$.patch"},{"kind":"loop","max_iterations":3,"until":{"op":"const","value":true},"body":{"kind":"assign","at":"$.a[0]","value":{"op":"const","value":1}}}]}""",
            """[{"name":"spawn","kind":"lua","spec":{"source":"return {ok=true, value=1}"}}]""");

        Assert.Empty(FlowValidator.Validate(bp));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_path()
    {
        var bp = EngineHarness.Blueprint(
            """
            {"kind":"seq","children":[
              {"kind":"teleport"},
              {"kind":"step"},
              {"kind":"step","ref":"ghost"},
              {"kind":"step","ref":"lua-ok","out":"patch"},
              {"kind":"loop","until":{"op":"const","value":true},"body":{"kind":"seq","children":[]}},
              {"kind":"fanout","items":{"op":"const","value":[1]},"bind":"$.x","body":{"kind":"seq","children":[]}},
              {"kind":"assign","at":"$.a[x]","value":{"op":"copy"}},
              {"kind":"branch","then":{"kind":"seq"}}
            ]}
            """,
            """[{"name":"lua-ok","kind":"lua","spec":{"fn_id":"f"}},{"name":"py","kind":"python","spec":{}},{"name":"lua-bad","kind":"lua","spec":{}}]""");

        var errors = FlowValidator.Validate(bp);
        var paths = errors.Select(e => e.Path).ToList();

        Assert.Contains("$.agents[1].kind", paths);
        Assert.Contains("$.agents[2].spec", paths);
        Assert.Contains("$.flow.children[0].kind", paths);
        Assert.Contains("$.flow.children[1].ref", paths);
        Assert.Contains("$.flow.children[2].ref", paths);
        Assert.Contains("$.flow.children[3].out", paths);
        Assert.Contains("$.flow.children[4].max_iterations", paths);
        Assert.Contains("$.flow.children[5].items", paths);
        Assert.Contains("$.flow.children[6].at", paths);
        Assert.Contains("$.flow.children[6].value.op", paths);
        Assert.Contains("$.flow.children[7].cond", paths);
        Assert.Contains("$.flow.children[7].then.children", paths);
        Assert.Equal(12, errors.Count);
    }

    [Fact]
    public void Parse_throws_one_validation_exception_listing_every_problem()
    {
        var bp = EngineHarness.Blueprint("""{"kind":"seq","children":[{"kind":"step","ref":"a"},{"kind":"step","ref":"b"}]}""");

        var ex = Assert.Throws<ValidationException>(() => FlowValidator.Parse(bp, new HashSet<string>()));

        Assert.Equal(["$.flow.children[0].ref", "$.flow.children[1].ref"], ex.Errors.Select(e => e.Path));
    }

    [Fact]
    public void A_step_may_refer_to_a_host_registered_agent_not_declared_in_the_blueprint()
    {
        var bp = EngineHarness.Blueprint("""{"kind":"step","ref":"patch-spawner"}""");

        Assert.Single(FlowValidator.Validate(bp));
        Assert.Empty(FlowValidator.Validate(bp, ["patch-spawner"]));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"3\"")]
    [InlineData("2000000")]
    public void Loop_bounds_must_be_positive_integers_within_the_limit(string bound)
    {
        var bp = EngineHarness.Blueprint($$$"""{"kind":"loop","max_iterations":{{{bound}}},"until":{"op":"const","value":true},"body":{"kind":"seq","children":[]}}""");

        var error = Assert.Single(FlowValidator.Validate(bp));

        Assert.Equal("$.flow.max_iterations", error.Path);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("$.")]
    [InlineData("$..a")]
    [InlineData("$.a[")]
    [InlineData("$.a[-1]")]
    [InlineData("$.1a")]
    [InlineData("$[0]x")]
    public void Malformed_paths_are_rejected(string path)
    {
        var bp = EngineHarness.Blueprint($$$"""{"kind":"assign","at":"{{{path}}}","value":{"op":"const","value":1}}""");

        var error = Assert.Single(FlowValidator.Validate(bp));

        Assert.Equal("$.flow.at", error.Path);
    }

    [Theory]
    [InlineData("\"$\"", "$.flow.collect")]
    [InlineData("\"$.a[\"", "$.flow.collect")]
    [InlineData("7", "$.flow.collect")]
    public void A_fanout_collect_must_be_a_path_below_the_root(string collect, string errorPath)
    {
        var bp = EngineHarness.Blueprint(
            $$$"""{"kind":"fanout","items":"$.items","bind":"$.item","collect":{{{collect}}},"out":"$.r","body":{"kind":"step","ref":"w","out":"$.v"}}""",
            EngineHarness.HostAgents("w"));

        Assert.Contains(errorPath, FlowValidator.Validate(bp).Select(e => e.Path));
    }

    [Fact]
    public void A_fanout_collect_below_the_root_is_valid()
    {
        var bp = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","collect":"$.v.inner","out":"$.r","body":{"kind":"step","ref":"w","out":"$.v"}}""",
            EngineHarness.HostAgents("w"));

        Assert.Empty(FlowValidator.Validate(bp));
    }

    [Fact]
    public void A_blueprint_without_a_flow_is_invalid()
    {
        var bp = Blueprint.Parse("""{"id":"x","agents":[]}""");

        Assert.Equal("$.flow", Assert.Single(FlowValidator.Validate(bp)).Path);
    }

    [Fact]
    public async Task Launching_an_invalid_blueprint_records_nothing()
    {
        await using var engine = EngineHarness.Create();
        var bp = EngineHarness.Blueprint("""{"kind":"step","ref":"nobody"}""");

        var ex = await Assert.ThrowsAsync<ValidationException>(() => engine.LaunchAsync(bp));

        Assert.Equal("$.flow.ref", ex.Path);
        await foreach (var _ in engine.Repository.ListRunsAsync())
        {
            Assert.Fail("A run was recorded for an invalid blueprint.");
        }
    }
}
