using IssueCore.Engine.Tests.Support;
using IssueCore.Flows;

namespace IssueCore.Engine.Tests.Flows.Expressions;

public sealed class ExpressionValidationTests
{
    private static IReadOnlyList<ValidationError> Validate(string flow) => FlowValidator.Validate(EngineHarness.Blueprint(flow));

    private static string Assign(string expression) => $$"""{"kind":"assign","at":"$.r","value":{{expression}}}""";

    [Theory]
    [InlineData("""{"op":"not","args":[]}""", "$.flow.value.args")]
    [InlineData("""{"op":"not","args":[{"op":"const","value":true},{"op":"const","value":true}]}""", "$.flow.value.args")]
    [InlineData("""{"op":"eq","args":[{"op":"const","value":1}]}""", "$.flow.value.args")]
    [InlineData("""{"op":"and","args":[{"op":"const","value":true}]}""", "$.flow.value.args")]
    [InlineData("""{"op":"len","args":[{"op":"const","value":"a"},{"op":"const","value":"b"}]}""", "$.flow.value.args")]
    [InlineData("""{"op":"add"}""", "$.flow.value.args")]
    [InlineData("""{"op":"add","args":{"a":1}}""", "$.flow.value.args")]
    public void Arity_is_checked_before_a_run(string expression, string path)
    {
        var error = Assert.Single(Validate(Assign(expression)));

        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("""{"op":"len","args":[{"op":"const","value":5}]}""", "$.flow.value.args[0]")]
    [InlineData("""{"op":"add","args":[{"op":"const","value":"1"},{"op":"path","at":"$.n"}]}""", "$.flow.value.args[0]")]
    [InlineData("""{"op":"mul","args":[{"op":"path","at":"$.n"},{"op":"eq","args":[{"op":"const","value":1},{"op":"const","value":1}]}]}""", "$.flow.value.args[1]")]
    [InlineData("""{"op":"not","args":[{"op":"const","value":"false"}]}""", "$.flow.value.args[0]")]
    [InlineData("""{"op":"or","args":[{"op":"path","at":"$.t"},{"op":"len","args":[{"op":"path","at":"$.s"}]}]}""", "$.flow.value.args[1]")]
    [InlineData("""{"op":"lt","args":[{"op":"const","value":1},{"op":"const","value":"2"}]}""", "$.flow.value")]
    [InlineData("""{"op":"gt","args":[{"op":"const","value":[1]},{"op":"path","at":"$.n"}]}""", "$.flow.value.args[0]")]
    [InlineData("""{"op":"in","args":[{"op":"const","value":1},{"op":"const","value":"123"}]}""", "$.flow.value.args[0]")]
    [InlineData("""{"op":"in","args":[{"op":"path","at":"$.n"},{"op":"const","value":7}]}""", "$.flow.value.args[1]")]
    [InlineData("""{"op":"div","args":[{"op":"path","at":"$.n"},{"op":"const","value":0}]}""", "$.flow.value.args[1]")]
    public void Types_that_constants_and_operators_make_known_are_checked_before_a_run(string expression, string path)
    {
        var error = Assert.Single(Validate(Assign(expression)));

        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("""{"op":"const","value":"false"}""")]
    [InlineData("""{"op":"const","value":1}""")]
    [InlineData("""{"op":"add","args":[{"op":"path","at":"$.a"},{"op":"path","at":"$.b"}]}""")]
    [InlineData("""{"op":"len","args":[{"op":"path","at":"$.a"}]}""")]
    public void A_branch_condition_that_cannot_be_a_boolean_is_refused(string cond)
    {
        var error = Assert.Single(Validate("""{"kind":"branch","cond":""" + cond + ""","then":{"kind":"seq","children":[]}}"""));

        Assert.Equal("$.flow.cond", error.Path);
        Assert.Contains("must be a boolean", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loop_until_that_cannot_be_a_boolean_is_refused()
    {
        var error = Assert.Single(Validate("""{"kind":"loop","max_iterations":2,"until":{"op":"const","value":"done"},"body":{"kind":"seq","children":[]}}"""));

        Assert.Equal("$.flow.until", error.Path);
    }

    [Fact]
    public void An_unknown_operator_lists_the_known_ones()
    {
        var error = Assert.Single(Validate(Assign("""{"op":"xor","args":[]}""")));

        Assert.Equal("$.flow.value.op", error.Path);
        Assert.Contains("eq", error.Message, StringComparison.Ordinal);
        Assert.Contains("exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_members_of_a_selector_are_refused_with_the_member_named()
    {
        var errors = Validate(Assign("""{"op":"eq","args":[{"op":"path","at":"$.a","default":1},{"op":"const","value":1}],"arg":[]}"""));

        Assert.Equal(["$.flow.value.arg", "$.flow.value.args[0].default"], errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Nesting_deeper_than_the_bound_is_refused_instead_of_recursing_without_limit()
    {
        var expression = """{"op":"const","value":true}""";
        for (var i = 0; i < FlowValidator.MaxExpressionDepth + 1; i++)
        {
            expression = $$"""{"op":"not","args":[{{expression}}]}""";
        }

        var errors = Validate(Assign(expression));

        Assert.Contains(errors, e => e.Message.Contains("nest at most", StringComparison.Ordinal));
    }

    [Fact]
    public void Well_typed_expressions_over_paths_and_every_operator_validate()
    {
        var flow = """
            {"kind":"seq","children":[
              {"kind":"assign","at":"$.a","value":{"op":"add","args":[{"op":"mul","args":[{"op":"path","at":"$.n"},{"op":"const","value":2}]},{"op":"div","args":[{"op":"sub","args":[{"op":"path","at":"$.n"},{"op":"const","value":1}]},{"op":"len","args":[{"op":"path","at":"$.xs"}]}]}]}},
              {"kind":"branch","cond":{"op":"or","args":[{"op":"not","args":[{"op":"exists","at":"$.x"}]},{"op":"and","args":[{"op":"eq","args":[{"op":"path","at":"$.x"},{"op":"const","value":"y"}]},{"op":"ne","args":[{"op":"path","at":"$.n"},{"op":"const","value":0}]}]},{"op":"in","args":[{"op":"const","value":"k"},{"op":"path","at":"$.o"}]}]},
               "then":{"kind":"seq","children":[]}},
              {"kind":"loop","max_iterations":3,"until":{"op":"ge","args":[{"op":"path","at":"$.i"},{"op":"const","value":2}]},"body":{"kind":"assign","at":"$.i","value":{"op":"add","args":[{"op":"path","at":"$.i"},{"op":"const","value":1}]}}},
              {"kind":"branch","cond":{"op":"path","at":"$.flag"},"then":{"kind":"seq","children":[]}},
              {"kind":"branch","cond":{"op":"lt","args":[{"op":"path","at":"$.s"},{"op":"const","value":"m"}]},"then":{"kind":"seq","children":[]},"else":{"kind":"branch","cond":{"op":"le","args":[{"op":"const","value":1},{"op":"path","at":"$.n"}]},"then":{"kind":"seq","children":[]}}},
              {"kind":"assign","at":"$.g","value":{"op":"gt","args":[{"op":"path","at":"$.n"},{"op":"const","value":1}]}}
            ]}
            """;

        Assert.Empty(Validate(flow));
    }
}
