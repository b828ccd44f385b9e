using IssueCore.Engine.Tests.Support;
using IssueCore.Flows;
using IssueCore.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Flows;

public sealed class FlowValidatorScriptTests
{
    private const string OneStep = """{"kind":"seq","children":[{"kind":"step","ref":"a","out":"$.a"},{"kind":"step","ref":"b","out":"$.b"}]}""";

    [Fact]
    public async Task Inline_lua_that_does_not_compile_is_reported_at_its_source_path()
    {
        await using var h = EngineHarness.Create();
        var scripts = h.Provider.GetRequiredService<IScriptExecutor>();
        var blueprint = EngineHarness.Blueprint(OneStep, """
            [{"name":"a","kind":"lua","spec":{"source":"return {ok = true, value = 1}"}},
             {"name":"b","kind":"lua","spec":{"source":"return {ok = "}}]
            """);

        var errors = FlowValidator.Validate(blueprint, [], scripts);

        Assert.Equal("$.agents[1].spec.source", Assert.Single(errors).Path);
        Assert.Empty(FlowValidator.Validate(blueprint));
    }

    [Fact]
    public async Task A_fn_id_no_script_is_registered_under_is_reported_at_its_path_with_the_flow_errors()
    {
        await using var h = EngineHarness.Create();
        var scripts = h.Provider.GetRequiredService<IScriptExecutor>();
        var blueprint = EngineHarness.Blueprint(OneStep, """[{"name":"a","kind":"lua","spec":{"fn_id":"nowhere.fn"}}]""");

        var errors = FlowValidator.Validate(blueprint, [], scripts);

        Assert.Contains(errors, e => e.Path == "$.agents[0].spec.fn_id");
        Assert.Contains(errors, e => e.Path == "$.flow.children[1].ref");
    }

    [Fact]
    public async Task A_host_agent_name_overrides_a_lua_agent_that_would_not_compile()
    {
        await using var h = EngineHarness.Create();
        var scripts = h.Provider.GetRequiredService<IScriptExecutor>();
        var blueprint = EngineHarness.Blueprint(OneStep, """[{"name":"a","kind":"lua","spec":{"source":"return {"}}]""");

        Assert.Empty(FlowValidator.Validate(blueprint, ["a", "b"], scripts));
    }
}
