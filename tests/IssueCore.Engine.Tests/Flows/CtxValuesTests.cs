using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Flows;

namespace IssueCore.Engine.Tests.Flows;

public sealed class CtxValuesTests
{
    private const string Text = """{"applied":{"ok":true,"new_hash":"abc","doc":{"id":"x"},"gone":null},"n":1}""";

    [Fact]
    public void A_member_read_over_parsed_json_is_the_member_a_built_object_gives_and_builds_nothing_else()
    {
        var parsed = JsonObject.Create(JsonElement.Parse(Text))!;
        var built = (JsonObject)JsonNode.Parse(Text)!;
        _ = built["applied"]!["ok"]; // built: its dictionaries exist

        foreach (var ctx in new[] { parsed, built })
        {
            var applied = CtxValues.Member(ctx, "applied");
            Assert.True(CtxValues.Member(applied, "ok")!.GetValue<bool>());
            Assert.Equal("abc", CtxValues.Member(applied, "new_hash")!.GetValue<string>());
            Assert.Equal("""{"id":"x"}""", CtxValues.Member(applied, "doc")!.ToJsonString());
            Assert.Null(CtxValues.Member(applied, "gone"));
            Assert.Null(CtxValues.Member(applied, "missing"));
            Assert.Null(CtxValues.Member(CtxValues.Member(ctx, "n"), "x")); // not an object
        }

        Assert.NotNull(CtxValues.ParsedElement(parsed)); // reading members left the parsed object unbuilt
        Assert.Null(CtxValues.ParsedElement(built));
    }
}
