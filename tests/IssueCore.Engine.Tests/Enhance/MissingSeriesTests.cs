using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class MissingSeriesTests
{
    private const string Patch = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    [Fact]
    public async Task An_issue_whose_series_does_not_exist_is_dead_lettered_on_its_first_dispatch_with_a_one_line_reason()
    {
        await using var h = await EnhanceHarness.CreateAsync(seedTarget: false, options: o => o.MaxAttempts = 5);
        var created = await h.EnqueueAsync(Patch);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Failed, outcome!.Result);
        Assert.Equal(1, outcome.Attempt);
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(IssueState.Failed, issue.Status.State);
        Assert.Equal(1, issue.Attempts);
        Assert.Contains("series 'orders' does not exist", issue.Status.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', issue.Status.Reason!);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Failed, entry.Outcome);
        Assert.Null(await h.App.TickAsync());
    }
}
