using System.Text;
using System.Text.Json.Nodes;
using IssueCore.Json;
using IssueCore.Tests.Shared;

namespace IssueCore.Abstractions.Tests;

public sealed class JsonPatchLimitTests
{
    /// <summary>
    /// A chain of <c>copy</c> operations, each copying the whole document into its own innermost object:
    /// the pointer to the innermost object doubles every step, and so does the document's depth.
    /// </summary>
    internal static string DoublingCopyPatch(int rounds, string innermost = "/a")
    {
        var sb = new StringBuilder("[");
        var pointer = innermost;
        for (var i = 0; i < rounds; i++)
        {
            var target = pointer + "/a";
            sb.Append(i == 0 ? string.Empty : ",").Append("{\"op\":\"copy\",\"from\":\"\",\"path\":\"").Append(target).Append("\"}");
            pointer = target + pointer;
        }

        return sb.Append(']').ToString();
    }

    private static JsonNode Nested(int depth, JsonNode? leaf = null)
    {
        // Built iteratively: a parser would refuse this depth, code can build it.
        JsonNode node = leaf ?? new JsonObject();
        for (var i = 1; i < depth; i++)
        {
            node = new JsonObject { ["a"] = node };
        }

        return node;
    }

    [Fact]
    public async Task A_copy_chain_that_doubles_the_depth_is_refused_without_crashing_the_process()
    {
        var patch = DoublingCopyPatch(rounds: 18);
        Assert.True(patch.Length > 210_000, "the probe's patch was 210 KB");

        var (exitCode, output, error) = await JsonHelperProcess.RunAsync("patch", patch);

        Assert.True(exitCode == 0, $"the helper ended with exit code {exitCode}: {error}");
        Assert.StartsWith("refused $[", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pointer_with_more_segments_than_the_limit_is_a_shape_error()
    {
        var within = string.Concat(Enumerable.Repeat("/a", JsonLimits.MaxPointerSegments));
        var beyond = within + "/a";

        Assert.Empty(JsonPatch.Validate(JsonNode.Parse($$"""[{"op":"remove","path":"{{within}}"}]""")));
        var errors = JsonPatch.Validate(JsonNode.Parse($$"""[{"op":"copy","from":"{{beyond}}","path":"/b"}]"""));
        Assert.Equal("$[0].from", Assert.Single(errors).Path);
    }

    [Fact]
    public void Copies_stop_at_the_document_depth_limit_and_name_the_operation()
    {
        // Copying the root into a new member nests it one level deeper.
        var ok = JsonPatch.Apply(Nested(JsonLimits.MaxDocumentDepth - 1), JsonNode.Parse("""[{"op":"copy","from":"","path":"/b"}]"""));
        Assert.Equal(JsonLimits.MaxDocumentDepth, Depth(ok));

        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Apply(Nested(JsonLimits.MaxDocumentDepth), JsonNode.Parse("""[{"op":"copy","from":"","path":"/b"}]""")));
        Assert.Equal("$[0].path", ex.Path);
    }

    [Fact]
    public void A_move_that_would_nest_too_deep_is_refused_and_leaves_the_input_unchanged()
    {
        var document = new JsonObject { ["deep"] = Nested(JsonLimits.MaxDocumentDepth - 1), ["b"] = Nested(1) };
        var before = document.ToJsonString();

        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Apply(document, JsonNode.Parse("""[{"op":"move","from":"/deep","path":"/b/x"}]""")));

        Assert.Equal("$[0].path", ex.Path);
        Assert.Equal(before, document.ToJsonString());
    }

    [Fact]
    public void Add_and_test_values_too_deep_for_their_path_are_shape_errors()
    {
        var value = Nested(JsonLimits.MaxDocumentDepth - 1);
        var fits = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/a", ["value"] = value.DeepClone() });
        var tooDeep = new JsonArray(new JsonObject { ["op"] = "test", ["path"] = "/a/b", ["value"] = value.DeepClone() });

        Assert.Empty(JsonPatch.Validate(fits));
        Assert.Equal("$[0].value", Assert.Single(JsonPatch.Validate(tooDeep)).Path);
    }

    [Fact]
    public void A_document_nested_deeper_than_the_limit_is_refused_with_a_validation_error()
    {
        // Deep enough that describing it with the writer (1000 levels) used to throw InvalidOperationException.
        var document = Nested(1_500);

        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Apply(document, JsonNode.Parse("""[{"op":"test","path":"/a","value":1}]""")));

        Assert.Equal("$", ex.Path);
    }

    [Fact]
    public void A_failed_test_on_a_deep_value_is_a_validation_error_not_an_invalid_operation()
    {
        var document = new JsonObject { ["a"] = Nested(JsonLimits.MaxDocumentDepth - 1, JsonValue.Create(1)) };

        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Apply(document, JsonNode.Parse("""[{"op":"test","path":"/a","value":2}]""")));

        Assert.Equal("$[0]", ex.Path);
    }

    [Fact]
    public async Task Repeated_root_copies_stop_at_the_clone_budget()
    {
        // Each copy of the root into a new member doubles the document while its depth grows by one.
        var ops = new JsonArray { new JsonObject { ["op"] = "add", ["path"] = "/c", ["value"] = new JsonArray(Enumerable.Range(0, 64).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()) } };
        for (var i = 0; i < 40; i++)
        {
            ops.Add(new JsonObject { ["op"] = "copy", ["from"] = "", ["path"] = "/c" + i });
        }

        var (exitCode, output, error) = await JsonHelperProcess.RunAsync("patch", ops.ToJsonString());

        Assert.True(exitCode == 0, $"the helper ended with exit code {exitCode}: {error}");
        Assert.StartsWith("refused $[", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_equality_walks_values_deeper_than_recursion_could()
    {
        var (exitCode, output, error) = await JsonHelperProcess.RunAsync("equals", "200000");

        Assert.True(exitCode == 0, $"the helper ended with exit code {exitCode}: {error}");
        Assert.Equal("equal True", output);
    }

    [Fact]
    public void Json_equality_tells_different_depths_apart()
    {
        Assert.True(JsonPatch.JsonEquals(Nested(100), Nested(100)));
        Assert.False(JsonPatch.JsonEquals(Nested(100), Nested(101)));
    }

    [Theory]
    [InlineData("0", "1e-30")]
    [InlineData("1", "1.0000000000000002")]
    [InlineData("100", "1e3")]
    public void Test_tells_numbers_apart_that_decimal_rounding_made_equal(string actual, string expected)
    {
        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Apply(
            JsonNode.Parse($$"""{"n":{{actual}}}"""),
            JsonNode.Parse($$"""[{"op":"test","path":"/n","value":{{expected}}}]""")));
        Assert.Equal("$[0]", ex.Path);
    }

    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("100", "1e2")]
    [InlineData("0", "-0")]
    [InlineData("0.1", "1e-1")]
    public void Test_matches_numbers_with_the_same_canonical_value(string actual, string expected)
        => Assert.NotNull(JsonPatch.Apply(
            JsonNode.Parse($$"""{"n":{{actual}}}"""),
            JsonNode.Parse($$"""[{"op":"test","path":"/n","value":{{expected}}}]""")));

    [Theory]
    [InlineData("1e400", "2e400")]
    [InlineData("1", "1e400")]
    [InlineData("-1e400", "-1e400")]
    public void Test_refuses_numbers_beyond_the_double_range(string actual, string expected)
    {
        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Apply(
            JsonNode.Parse($$"""{"n":{{actual}}}"""),
            JsonNode.Parse($$"""[{"op":"test","path":"/n","value":{{expected}}}]""")));
        Assert.Equal("$[0].value", ex.Path);
        Assert.Contains("double range", ex.Message, StringComparison.Ordinal);
    }

    private static int Depth(JsonNode? node) => node switch
    {
        JsonObject o => 1 + o.Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonArray a => 1 + a.Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };
}
