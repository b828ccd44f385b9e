using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Issues;

namespace IssueCore.Abstractions.Tests;

public sealed class DomainTypeTests
{
    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/no")]
    public void Invalid_ids_are_refused_with_a_validation_error(string text)
    {
        Assert.Throws<ValidationException>(() => IssueId.Parse(text));
        Assert.Throws<ValidationException>(() => BlueprintId.Parse(text));
    }

    [Fact]
    public void Ids_longer_than_their_limit_are_refused()
    {
        Assert.False(IssueId.TryParse(new string('a', 129), null, out _));
        Assert.True(IssueId.TryParse(new string('a', 128), null, out _));
    }

    [Fact]
    public void Blueprint_version_is_the_hash_of_the_canonical_form_and_keeps_unknown_members()
    {
        var a = Blueprint.Parse("""{"id":"bp","flow":{"kind":"seq","children":[]},"agents":[],"metadata":{"version_label":"1.0.0"},"x-extra":{"keep":[1,2]}}""");
        var b = Blueprint.Parse("""{ "x-extra": {"keep": [1, 2]}, "metadata": {"version_label": "1.0.0"}, "agents": [], "flow": {"children": [], "kind": "seq"}, "id": "bp" }""");

        Assert.Equal(a.Version, b.Version);
        Assert.Equal(a, b);
        Assert.Equal("1.0.0", a.VersionLabel);
        Assert.Equal("bp", a.Id);
        Assert.Equal(2, a.ToJsonObject()["x-extra"]!["keep"]!.AsArray().Count);
    }

    [Fact]
    public void Blueprint_must_be_an_object()
    {
        Assert.Throws<ValidationException>(() => Blueprint.Parse("[1]"));
        Assert.Throws<ValidationException>(() => Blueprint.Parse("{not json"));
        Assert.Throws<ValidationException>(() => Blueprint.FromNode(null));
    }

    [Fact]
    public void Mutating_the_copy_does_not_change_the_blueprint()
    {
        var bp = Blueprint.FromNode(new JsonObject { ["id"] = "x" });
        var copy = bp.ToJsonObject();
        copy["id"] = "y";

        Assert.Equal("x", bp.Id);
    }

    [Fact]
    public void Blueprint_version_parse_accepts_upper_case_and_lowers_it()
    {
        var v = BlueprintVersion.Parse(new string('A', 64));
        Assert.Equal(new string('a', 64), v.Value);
        Assert.Throws<ValidationException>(() => BlueprintVersion.Parse("abc"));
    }

    [Fact]
    public void Issue_status_factories_carry_their_outcome()
    {
        var v = BlueprintVersion.Parse(new string('0', 64));
        Assert.Equal(v, IssueStatus.Applied(v).NewVersion);
        Assert.True(IssueStatus.Rejected("no").IsTerminal);
        Assert.False(IssueStatus.Running.IsTerminal);
        Assert.Equal(IssueStatus.Failed("x"), IssueStatus.FromParts(IssueState.Failed, null, "x"));
        Assert.Throws<ArgumentException>(() => IssueStatus.FromParts(IssueState.Applied, null, null));
    }

    [Theory]
    [InlineData(CouncilRunStatus.Running, CouncilRunStatus.Completed, true)]
    [InlineData(CouncilRunStatus.Running, CouncilRunStatus.Interrupted, true)]
    [InlineData(CouncilRunStatus.Interrupted, CouncilRunStatus.Running, true)]
    [InlineData(CouncilRunStatus.Interrupted, CouncilRunStatus.Completed, false)]
    [InlineData(CouncilRunStatus.Completed, CouncilRunStatus.Running, false)]
    [InlineData(CouncilRunStatus.Failed, CouncilRunStatus.Failed, false)]
    [InlineData(CouncilRunStatus.Cancelled, CouncilRunStatus.Running, false)]
    public void Run_status_transitions_follow_the_table(CouncilRunStatus from, CouncilRunStatus to, bool allowed)
        => Assert.Equal(allowed, CouncilRunStatusTransitions.CanTransition(from, to));

    [Fact]
    public void Validation_exception_lists_every_error()
    {
        var ex = new ValidationException([new ValidationError("$.a", "bad"), new ValidationError("$.b", "worse")]);
        Assert.Contains("$.a: bad", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.b: worse", ex.Message, StringComparison.Ordinal);
        Assert.Equal("$.a", ex.Path);
    }
}
