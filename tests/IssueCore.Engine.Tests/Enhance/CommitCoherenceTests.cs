using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IssueCore.Engine.Tests.Enhance;

/// <summary>
/// Applied always means one new commit: also when the setting
/// leaves out <c>noop</c>.
/// </summary>
public sealed class CommitCoherenceTests
{
    private static readonly IReadOnlyList<string> AxesWithoutNoop = ["des", "canonical", "agent-ref"];

    [Fact]
    public async Task A_patch_that_changes_nothing_is_rejected_as_unchanged_even_when_the_setting_has_no_noop_axis()
    {
        // Arrange
        await using var h = await EnhanceHarness.CreateAsync();
        await UseAxesAsync(h, AxesWithoutNoop);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
        var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-a"}]""");

        // Act
        var outcome = await h.App.TickAsync();

        // Assert: rejected with a clear reason; nothing written; every configured axis passed.
        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Rejected, outcome.Result);
        Assert.StartsWith("unchanged: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Rejected, entry.Outcome);
        Assert.Null(entry.NewVersion);
        Assert.StartsWith("unchanged: ", Assert.Single(entry.Reasons), StringComparison.Ordinal);
        Assert.Equal(AxesWithoutNoop, entry.Verdicts.Select(v => v.Axis));
        Assert.All(entry.Verdicts, v => Assert.Equal(VerdictStatus.Pass, v.Status));
        Assert.Equal(IssueState.Rejected, (await h.Issues.GetAsync(created.Issue.Id)).Status.State);
    }

    [Fact]
    public async Task A_committer_that_applies_the_heads_own_content_is_refused_by_the_dispatcher()
    {
        // Arrange: a host committer that says "applied" with the unchanged head.
        var verdicts = new JsonArray([.. AxesWithoutNoop.Select(a => (JsonNode?)new JsonObject { ["axis"] = a, ["status"] = "pass", ["detail"] = "ok" })]);
        var committer = TestAgent.Constant(new JsonObject
        {
            ["status"] = "applied",
            ["new_hash"] = EnhanceHarness.TargetV1.Version.Value,
            ["new_blueprint"] = EnhanceHarness.TargetV1.ToJsonObject(),
            ["bump"] = "patch",
            ["patch_hash"] = new string('c', 64),
            ["rationale"] = "r",
            ["summary"] = "s",
            ["verdicts"] = verdicts,
        });
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer));
        await UseAxesAsync(h, AxesWithoutNoop);
        var created = await h.EnqueueAsync("""[{"op":"add","path":"/metadata/x","value":1}]""");

        // Act
        var outcome = await h.App.TickAsync();

        // Assert
        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Rejected, outcome.Result);
        Assert.StartsWith("unchanged: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Rejected, entry.Outcome);
        Assert.Equal(IssueStatus.Rejected(outcome.Reason!), (await h.Issues.GetAsync(created.Issue.Id)).Status);
    }

    private static async Task UseAxesAsync(EnhanceHarness h, IReadOnlyList<string> axes)
    {
        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { VerifierAxes = axes });
    }
}
