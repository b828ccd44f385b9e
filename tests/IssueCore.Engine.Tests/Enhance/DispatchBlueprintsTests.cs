using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Enhance.Governance;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class DispatchBlueprintsTests
{
    private static readonly Blueprint Head = Blueprint.Parse("""{"id":"a","metadata":{"version_label":"1.0.0"},"flow":{"kind":"seq","children":[]}}""");

    [Fact]
    public void The_head_written_as_json_is_the_head_itself()
    {
        var blueprints = new DispatchBlueprints(Head);

        var read = blueprints.FromNode(Head.ToJsonObject());
        var reordered = blueprints.FromNode(JsonNode.Parse("""{"metadata":{"version_label":"1.0.0"},"id":"a","flow":{"children":[],"kind":"seq"}}"""));

        Assert.Same(Head, read);
        Assert.Same(Head, reordered);
    }

    [Fact]
    public void One_document_in_any_member_order_is_built_once_with_the_content_hash_a_fresh_build_gives()
    {
        var blueprints = new DispatchBlueprints(Head);
        const string Text = """{"id":"a","metadata":{"version_label":"1.0.1","owner":"x"},"flow":{"kind":"seq","children":[]}}""";

        var first = blueprints.FromNode(JsonNode.Parse(Text));
        var again = blueprints.FromNode(JsonNode.Parse(Text));
        var reordered = blueprints.FromNode(JsonNode.Parse("""{"flow":{"children":[],"kind":"seq"},"metadata":{"owner":"x","version_label":"1.0.1"},"id":"a"}"""));
        var respelled = blueprints.FromNode(JsonNode.Parse("""{"id":"a","metadata":{"version_label":"1.0.1","owner":"\u0078"},"flow":{"kind":"seq","children":[]}}"""));
        var fresh = Blueprint.Parse(Text);

        Assert.Same(first, again);
        Assert.Same(first, reordered);
        Assert.Same(first, respelled);
        Assert.Equal(fresh.Version, first.Version);
        Assert.Equal(fresh.CanonicalJson, first.CanonicalJson);
        Assert.NotEqual(Head.Version, first.Version);
    }

    [Fact]
    public void A_document_built_in_code_with_text_that_json_writes_escaped_is_matched_to_the_one_already_built()
    {
        var blueprints = new DispatchBlueprints(Head);
        var first = blueprints.FromNode(JsonNode.Parse("""{"id":"a","metadata":{"version_label":"1.0.1","owner":"Zoë \"ops\" 🚀 <team>"},"flow":{"kind":"seq","children":[]}}"""));

        // Written by code, in another member order: its JSON text escapes the quote, the non-ASCII letters and the brackets.
        var built = new JsonObject
        {
            ["flow"] = new JsonObject { ["children"] = new JsonArray(), ["kind"] = "seq" },
            ["metadata"] = new JsonObject { ["owner"] = "Zoë \"ops\" 🚀 <team>", ["version_label"] = "1.0.1" },
            ["id"] = "a",
        };
        var otherOwner = new JsonObject
        {
            ["flow"] = new JsonObject { ["children"] = new JsonArray(), ["kind"] = "seq" },
            ["metadata"] = new JsonObject { ["owner"] = "Zoe \"ops\" 🚀 <team>", ["version_label"] = "1.0.1" },
            ["id"] = "a",
        };

        Assert.Same(first, blueprints.FromNode(built));
        Assert.NotEqual(first.Version, blueprints.FromNode(otherOwner).Version);
    }

    [Fact]
    public void Member_names_spelled_with_escapes_match_the_same_names_and_not_other_names()
    {
        var blueprints = new DispatchBlueprints(Head);
        var first = blueprints.FromNode(JsonNode.Parse("""{"id":"a","metadata":{"version_label":"1.0.1","équipe":"x"},"flow":{"kind":"seq","children":[]}}"""));

        var escaped = blueprints.FromNode(JsonNode.Parse("""{"flow":{"children":[],"kind":"seq"},"metadata":{"\u00e9quipe":"x","version_label":"1.0.1"},"id":"a"}"""));
        const string Other = """{"id":"a","metadata":{"version_label":"1.0.1","equipe":"x"},"flow":{"kind":"seq","children":[]}}""";
        var other = blueprints.FromNode(JsonNode.Parse(Other));

        Assert.Same(first, escaped);
        Assert.NotEqual(first.Version, other.Version);
        Assert.Equal(Blueprint.Parse(Other).Version, other.Version);
    }

    [Fact]
    public void Documents_that_differ_in_one_value_get_their_own_Blueprints()
    {
        var blueprints = new DispatchBlueprints(Head);

        var number = blueprints.FromNode(JsonNode.Parse("""{"id":"a","n":1.5,"list":[1,2],"flag":true}"""));
        var otherNumber = blueprints.FromNode(JsonNode.Parse("""{"id":"a","n":2.5,"list":[1,2],"flag":true}"""));
        var sameNumberSpelledOtherwise = blueprints.FromNode(JsonNode.Parse("""{"id":"a","n":15e-1,"list":[1,2],"flag":true}"""));
        var otherList = blueprints.FromNode(JsonNode.Parse("""{"id":"a","n":1.5,"list":[2,1],"flag":true}"""));
        var otherFlag = blueprints.FromNode(JsonNode.Parse("""{"id":"a","n":1.5,"list":[1,2],"flag":false}"""));
        var extraMember = blueprints.FromNode(JsonNode.Parse("""{"id":"a","n":1.5,"list":[1,2],"flag":true,"x":null}"""));

        Assert.Same(number, sameNumberSpelledOtherwise);
        Assert.Equal(6, new[] { Head, number, otherNumber, otherList, otherFlag, extraMember }.Select(b => b.Version).Distinct().Count());
        Assert.Equal(Blueprint.Parse("""{"id":"a","n":1.5,"list":[2,1],"flag":true}""").Version, otherList.Version);
    }

    [Fact]
    public async Task Parallel_callers_asking_for_one_document_share_one_Blueprint()
    {
        var blueprints = new DispatchBlueprints(Head);
        const string Text = """{"id":"a","metadata":{"version_label":"2.0.0"},"flow":{"kind":"seq","children":[]}}""";

        var built = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => blueprints.FromNode(JsonNode.Parse(Text)))));

        Assert.All(built, b => Assert.Same(built[0], b));
    }

    [Fact]
    public void Past_its_capacity_documents_are_still_built_correctly_without_being_remembered()
    {
        var blueprints = new DispatchBlueprints(null);

        for (var i = 0; i < DispatchBlueprints.Capacity * 2; i++)
        {
            var text = $$"""{"id":"a","n":{{i}}}""";
            Assert.Equal(Blueprint.Parse(text).Version, blueprints.FromNode(JsonNode.Parse(text)).Version);
        }
    }

    [Fact]
    public void A_document_nested_deeper_than_default_json_text_allows_is_built_as_a_fresh_build_builds_it()
    {
        var blueprints = new DispatchBlueprints(Head);
        var text = "{\"id\":\"a\",\"deep\":" + new string('[', 100) + new string(']', 100) + "}";

        var built = blueprints.FromNode(JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 128 }));

        Assert.Equal(Blueprint.Parse(text).Version, built.Version);
    }

    [Fact]
    public void What_is_not_a_Blueprint_is_rejected_as_a_fresh_build_rejects_it()
    {
        var blueprints = new DispatchBlueprints(Head);

        Assert.Throws<ValidationException>(() => blueprints.FromNode(JsonNode.Parse("[1]")));
        Assert.Throws<ValidationException>(() => blueprints.FromNode(null));
        Assert.Throws<ValidationException>(() => blueprints.FromNode(new JsonObject { ["id"] = "a", ["n"] = double.NaN }));
    }
}
