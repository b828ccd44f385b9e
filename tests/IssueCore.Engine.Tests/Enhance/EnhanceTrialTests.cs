using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class EnhanceTrialTests
{
    private static IssueDraft Draft(string patch, BlueprintId? target = null) => new()
    {
        BlueprintId = target ?? EnhanceHarness.Target,
        Intent = "try a change",
        Patch = JsonDocument.Parse(patch).RootElement.Clone(),
    };

    private static async Task<(int Issues, int Log, int Runs, int Versions)> CountAsync(EnhanceHarness h)
    {
        var issues = (await h.Issues.ListAsync(new IssueQuery { Limit = 100 })).Items.Count;
        var log = (await h.LogEntriesAsync()).Count;
        var runs = 0;
        await foreach (var _ in h.Provider.GetRequiredService<ICouncilRepository>().ListRunsAsync())
        {
            runs++;
        }

        var versions = (await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 100)).Count;
        return (issues, log, runs, versions);
    }

    [Fact]
    public async Task A_trial_of_a_good_patch_reports_applied_with_every_verdict_and_writes_nothing()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var before = await CountAsync(h);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;

        var trial = await h.App.TryAsync(Draft("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]"""));

        Assert.Equal(EnhanceOutcome.Applied, trial.Outcome);
        Assert.Equal(head.Version, trial.Head.Version);
        Assert.NotNull(trial.NewBlueprint);
        Assert.Equal("team-b", trial.NewBlueprint.ToJsonObject()["metadata"]!["owner"]!.GetValue<string>());
        Assert.Equal(["des", "canonical", "noop", "agent-ref"], trial.Verdicts.Select(v => v.Axis));
        Assert.All(trial.Verdicts, v => Assert.Equal(VerdictStatus.Pass, v.Status));
        Assert.NotEmpty(trial.Events);
        Assert.Equal(before, await CountAsync(h));
        Assert.Equal(head.Version, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
    }

    [Fact]
    public async Task A_trial_of_a_patch_an_axis_denies_reports_rejected_with_the_reason_and_writes_nothing()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var before = await CountAsync(h);

        var trial = await h.App.TryAsync(Draft("""[{"op":"replace","path":"/metadata/version_label","value":"banana"}]"""));

        Assert.Equal(EnhanceOutcome.Rejected, trial.Outcome);
        Assert.Null(trial.NewBlueprint);
        Assert.Equal(VerdictStatus.Deny, Assert.Single(trial.Verdicts, v => v.Axis == "des").Status);
        Assert.StartsWith("des: ", Assert.Single(trial.Reasons), StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync(h));
    }

    [Fact]
    public async Task A_trial_against_a_missing_blueprint_is_not_found()
    {
        await using var h = await EnhanceHarness.CreateAsync();

        await Assert.ThrowsAsync<NotFoundException>(() => h.App.TryAsync(Draft("[]", BlueprintId.Parse("missing"))));
    }

    [Fact]
    public async Task A_trial_of_a_flow_series_is_refused()
    {
        await using var h = await EnhanceHarness.CreateAsync();

        var ex = await Assert.ThrowsAsync<ValidationException>(() => h.App.TryAsync(Draft("[]", BlueprintId.Parse("enhance-default"))));

        Assert.Equal("$.blueprint_id", ex.Path);
    }
}
