using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Enhance.Verifiers;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class RecentBlueprintsTests
{
    [Fact]
    public void Documents_with_the_same_json_share_one_Blueprint_and_others_get_their_own()
    {
        var recent = new RecentBlueprints();

        var first = recent.FromNode(JsonNode.Parse("""{"id":"a","flow":{"kind":"seq","children":[]}}"""));
        var again = recent.FromNode(JsonNode.Parse("""{"id":"a","flow":{"kind":"seq","children":[]}}"""));
        var other = recent.FromNode(JsonNode.Parse("""{"id":"b","flow":{"kind":"seq","children":[]}}"""));

        Assert.Same(first, again);
        Assert.NotEqual(first.Version, other.Version);
        Assert.Equal(Blueprint.Parse("""{"flow":{"children":[],"kind":"seq"},"id":"a"}""").Version, first.Version);
    }

    [Fact]
    public void A_document_that_is_not_an_object_is_rejected()
    {
        var recent = new RecentBlueprints();

        Assert.Throws<ValidationException>(() => recent.FromNode(JsonNode.Parse("[1]")));
        Assert.Throws<ValidationException>(() => recent.FromNode(null));
    }
}
