using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class EnhanceApplicationTests
{
    [Fact]
    public async Task Applied_issue_commits_a_new_version_whose_parent_is_the_previous_head_and_logs_one_entry()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;
        var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""", intent: "hand over", bump: VersionBump.Minor);

        var outcome = await h.App.TickAsync();

        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Applied, outcome.Result);
        var newHead = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;
        Assert.Equal(outcome.NewVersion, newHead.Version);
        Assert.Equal("team-b", newHead.Root.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal("1.1.0", newHead.VersionLabel);
        var history = await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10);
        Assert.Equal(2, history.Count);
        Assert.Equal([head.Version], history[0].Parents);
        Assert.Equal(created.Issue.Id, history[0].Metadata.IssueId);
        Assert.Equal("hand over", history[0].Metadata.Rationale);
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(IssueStatus.Applied(newHead.Version), issue.Status);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(created.Issue.Id, entry.IssueId);
        Assert.Equal(EnhanceOutcome.Applied, entry.Outcome);
        Assert.Equal(head.Version, entry.PreviousVersion);
        Assert.Equal(newHead.Version, entry.NewVersion);
        Assert.Equal("hand over", entry.Intent);
        Assert.Equal(EnhanceSetting.BuiltInAxes, entry.Verdicts.Select(v => v.Axis));
        Assert.All(entry.Verdicts, v => Assert.Equal(VerdictStatus.Pass, v.Status));
        Assert.Null(await h.App.TickAsync());
    }
}
