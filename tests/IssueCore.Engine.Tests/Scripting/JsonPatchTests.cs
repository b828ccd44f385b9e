using System.Text.Json.Nodes;
using IssueCore.Json;

namespace IssueCore.Engine.Tests.Scripting;

public sealed class JsonPatchTests
{
    private static void AssertPatch(string doc, string patch, string expected)
    {
        var document = JsonNode.Parse(doc);
        var before = document?.ToJsonString();
        var result = JsonPatch.Apply(document, JsonNode.Parse(patch));
        Assert.Equal(CanonicalJson.Canonicalize(expected), CanonicalJson.Serialize(result));
        Assert.Equal(before, document?.ToJsonString());

        // Applied in place, the same patch gives the same document.
        var inPlace = JsonPatch.ApplyInPlace(JsonNode.Parse(doc), JsonNode.Parse(patch));
        Assert.Equal(CanonicalJson.Canonicalize(expected), CanonicalJson.Serialize(inPlace));
    }

    private static ValidationException AssertFails(string doc, string patch)
    {
        var document = JsonNode.Parse(doc);
        var before = document?.ToJsonString();
        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Apply(document, JsonNode.Parse(patch)));
        Assert.Equal(before, document?.ToJsonString());

        // Applied in place, the same patch fails with the same error.
        var inPlace = Assert.Throws<ValidationException>(() => JsonPatch.ApplyInPlace(JsonNode.Parse(doc), JsonNode.Parse(patch)));
        Assert.Equal(ex.Errors, inPlace.Errors);
        return ex;
    }

    [Fact]
    public void Applied_in_place_the_callers_document_is_the_one_changed_and_returned()
    {
        var document = JsonNode.Parse("""{"a":{"b":1},"list":[1,2]}""")!;
        var inner = document["a"]!;

        var result = JsonPatch.ApplyInPlace(document, JsonNode.Parse("""[{"op":"add","path":"/a/c","value":2},{"op":"remove","path":"/list/0"}]"""));

        Assert.Same(document, result);
        Assert.Same(inner, document["a"]);
        Assert.Equal("""{"a":{"b":1,"c":2},"list":[2]}""", document.ToJsonString());

        // A patch of the whole document returns the value that replaced it.
        var replaced = JsonPatch.ApplyInPlace(document, JsonNode.Parse("""[{"op":"replace","path":"","value":[7]}]"""));
        Assert.Equal("[7]", replaced!.ToJsonString());
    }

    [Theory]
    // RFC 6902 Appendix A.1 - A.10, A.14 - A.16
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"baz":"qux","foo":"bar"}""")]
    [InlineData("""{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""")]
    [InlineData("""{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""")]
    [InlineData("""{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""", """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""")]
    [InlineData("""{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""")]
    [InlineData("""{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""", """{"baz":"qux","foo":["a",2,"c"]}""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux","xyz":123}]""", """{"foo":"bar","baz":"qux"}""")]
    [InlineData("""{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":10}]""", """{"/":9,"~1":10}""")]
    [InlineData("""{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":["abc","def"]}]""", """{"foo":["bar",["abc","def"]]}""")]
    // Beyond the appendix.
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"","value":[1]}]""", """[1]""")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"copy","from":"/a","path":"/c"},{"op":"add","path":"/c/b","value":2}]""", """{"a":{"b":1},"c":{"b":2}}""")]
    [InlineData("""{"a":{"x":1.0,"y":[1,{"z":null}]}}""", """[{"op":"test","path":"/a","value":{"y":[1.00,{"z":null}],"x":1}}]""", """{"a":{"x":1.0,"y":[1,{"z":null}]}}""")]
    [InlineData("""{"a":1}""", """[{"op":"move","from":"/a","path":"/a"}]""", """{"a":1}""")]
    [InlineData("""[1,2]""", """[{"op":"add","path":"/2","value":3}]""", """[1,2,3]""")]
    public void Applies_patches(string doc, string patch, string expected) => AssertPatch(doc, patch, expected);

    [Fact]
    public void A11_ignores_unrecognized_members_and_escapes_slash_and_tilde()
    {
        AssertPatch("""{"a/b":1,"m~n":2}""", """[{"op":"replace","path":"/a~1b","value":3},{"op":"remove","path":"/m~0n"}]""", """{"a/b":3}""");
    }

    [Fact]
    public void A12_adding_to_a_nonexistent_target_fails_naming_the_op()
    {
        var ex = AssertFails("""{"foo":"bar"}""", """[{"op":"add","path":"/baz/bat","value":"qux"}]""");
        Assert.Equal("$[0].path", ex.Path);
        Assert.Contains("baz", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A13_invalid_op_is_a_validation_error()
    {
        var errors = JsonPatch.Validate(JsonNode.Parse("""[{"op":"add","path":"/a","value":1},{"op":"frob","path":"/x"}]"""));
        Assert.Equal("$[1].op", Assert.Single(errors).Path);
    }

    [Fact]
    public void A15_test_failure_names_the_op_and_leaves_the_document_unchanged()
    {
        var ex = AssertFails("""{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"remove","path":"/baz"},{"op":"test","path":"/foo/1","value":"2"}]""");
        Assert.Equal("$[1]", ex.Path);
        Assert.Contains("Test failed", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"move","from":"/a","path":"/a/b/c"}]""", "$[0].from")]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/2","value":1}]""", "$[0].path")]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/01","value":1}]""", "$[0].path")]
    [InlineData("""{"a":[1]}""", """[{"op":"remove","path":"/a/-"}]""", "$[0].path")]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"/b","value":1}]""", "$[0].path")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/b","value":1},{"op":"remove","path":"/c"}]""", "$[1].path")]
    [InlineData("""{"a":1}""", """[{"op":"remove","path":""}]""", "$[0].path")]
    [InlineData("""{"a":1}""", """[{"op":"copy","from":"/x","path":"/b"}]""", "$[0].from")]
    public void Failing_operations_name_the_op_and_member(string doc, string patch, string path)
    {
        Assert.Equal(path, AssertFails(doc, patch).Path);
    }

    [Theory]
    [InlineData("""{"op":"add"}""", "$")]
    [InlineData("""[1]""", "$[0]")]
    [InlineData("""[{"path":"/a"}]""", "$[0].op")]
    [InlineData("""[{"op":"add","path":"a","value":1}]""", "$[0].path")]
    [InlineData("""[{"op":"add","path":"/a~2","value":1}]""", "$[0].path")]
    [InlineData("""[{"op":"add","path":"/a"}]""", "$[0].value")]
    [InlineData("""[{"op":"move","path":"/a"}]""", "$[0].from")]
    [InlineData("""[{"op":"test","path":3,"value":1}]""", "$[0].path")]
    public void Validate_reports_shape_errors_with_paths(string patch, string path)
    {
        Assert.Equal(path, JsonPatch.Validate(JsonNode.Parse(patch))[0].Path);
    }

    [Fact]
    public void Value_null_is_present_and_allowed()
    {
        Assert.Empty(JsonPatch.Validate(JsonNode.Parse("""[{"op":"add","path":"/a","value":null}]""")));
        AssertPatch("{}", """[{"op":"add","path":"/a","value":null}]""", """{"a":null}""");
    }

    [Fact]
    public void Json_equality_compares_numbers_by_value_and_ignores_member_order()
    {
        Assert.True(JsonPatch.JsonEquals(JsonNode.Parse("""{"a":1,"b":[1e2]}"""), JsonNode.Parse("""{"b":[100.0],"a":1.0}""")));
        Assert.False(JsonPatch.JsonEquals(JsonNode.Parse("[1,2]"), JsonNode.Parse("[2,1]")));
        Assert.False(JsonPatch.JsonEquals(JsonNode.Parse("1"), JsonNode.Parse("\"1\"")));
    }
}
