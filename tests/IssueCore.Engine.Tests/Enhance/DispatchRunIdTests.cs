using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IssueCore.Engine.Tests.Enhance;

/// <summary>
/// Whatever a dispatch ends in, the issue names the run it started, as its outcome and its log entry do: a buffered
/// run's id is written with the outcome (or when the issue is parked or released), an eager run's when it starts.
/// </summary>
public sealed class DispatchRunIdTests
{
    private const string Patch = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_applied_dispatch_leaves_its_run_id_on_the_issue_the_entry_and_the_outcome(bool eager)
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.RecordRunsEagerly = eager);
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        await AssertRecordedAsync(h, id, outcome, IssueState.Applied);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_rejected_dispatch_leaves_its_run_id_on_the_issue_the_entry_and_the_outcome(bool eager)
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.RecordRunsEagerly = eager);
        var id = (await h.EnqueueAsync(FlowGovernanceTests.DeniedByDes)).Issue.Id;

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        await AssertRecordedAsync(h, id, outcome, IssueState.Rejected);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_refused_dispatch_leaves_its_run_id_on_the_issue_the_entry_and_the_outcome(bool eager)
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.RecordRunsEagerly = eager);
        await FlowGovernanceTests.WriteFlowVersionAsync(h, flow => flow["agents"]![3]!["spec"] = new System.Text.Json.Nodes.JsonObject { ["source"] = FlowGovernanceTests.AlwaysApprove });
        var id = (await h.EnqueueAsync(FlowGovernanceTests.DeniedByDes)).Issue.Id;

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Refused, outcome!.Result);
        await AssertRecordedAsync(h, id, outcome, IssueState.Failed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failed_dispatch_leaves_its_run_id_on_the_issue_and_a_buffered_run_is_named_only_with_the_outcome(bool eager)
    {
        IIssueStore? issues = null;
        IssueId? id = null;
        CouncilRunId? duringRun = null;
        var committer = new TestAgent(async (_, ct) =>
        {
            duringRun = (await issues!.GetAsync(id!.Value, ct)).RunId;
            return null; // not a commit decision: the issue is dead-lettered with a shape error
        });
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer), o => o.RecordRunsEagerly = eager);
        issues = h.Issues;
        id = (await h.EnqueueAsync(Patch)).Issue.Id;

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Failed, outcome!.Result);
        await AssertRecordedAsync(h, id.Value, outcome, IssueState.Failed);
        // Eager: the run is in the council repository as it runs, and the issue names it. Buffered: neither is written
        // before the outcome, so the issue still names no run (this is its first dispatch).
        Assert.Equal(eager ? outcome.RunId : null, duringRun);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_dispatch_released_for_a_retry_leaves_its_run_id_on_the_issue(bool eager)
    {
        var calls = 0;
        var committer = new TestAgent((_, _) => Interlocked.Increment(ref calls) == 1
            ? throw new InvalidOperationException("the committer broke")
            : ValueTask.FromResult<System.Text.Json.Nodes.JsonNode?>(null));
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer), o => o.RecordRunsEagerly = eager);
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Retrying, outcome!.Result);
        var issue = await h.Issues.GetAsync(id);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        var runId = Assert.NotNull(outcome.RunId);
        Assert.Equal(runId, issue.RunId);
        Assert.NotNull(await h.Provider.GetRequiredService<ICouncilRepository>().GetRunAsync(runId));
    }

    [Fact]
    public async Task A_buffered_run_id_that_cannot_be_recorded_is_logged_and_the_issue_is_released_anyway()
    {
        var recorder = new LogRecorder();
        var faults = new FaultPlan { Match = n => n == "issues.record_run" };
        var committer = new TestAgent((_, _) => throw new InvalidOperationException("the committer broke"));
        await using var h = await EnhanceHarness.CreateAsync(
            s => s.AddIssueCoreAgent("committer", committer).AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(recorder)),
            faults: faults);
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;
        faults.Arm(1);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Retrying, outcome!.Result);
        Assert.Equal("issues.record_run", faults.InjectedInto);
        var issue = await h.Issues.GetAsync(id);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        Assert.Null(issue.RunId);
        var warning = Assert.Single(recorder.Entries, e => e.EventId == 6560);
        Assert.Contains(outcome.RunId!.Value.Value, warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_dispatch_awaiting_approval_leaves_its_run_id_on_the_issue_and_the_approval(bool eager)
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.RecordRunsEagerly = eager);
        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { RequireApproval = true });
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.AwaitingApproval, outcome!.Result);
        var runId = Assert.NotNull(outcome.RunId);
        var issue = await h.Issues.GetAsync(id);
        Assert.Equal(IssueState.AwaitingApproval, issue.Status.State);
        Assert.Equal(runId, issue.RunId);
        Assert.Equal(runId, (await h.Issues.FindApprovalAsync(id))!.RunId);
        Assert.Equal(CouncilRunStatus.AwaitingApproval, (await h.Provider.GetRequiredService<ICouncilRepository>().GetRunAsync(runId))!.Status);

        var applied = await h.App.ApproveAsync(id, "Zoë", null);

        Assert.Equal(DispatchResult.Applied, applied.Result);
        await AssertRecordedAsync(h, id, applied with { RunId = runId }, IssueState.Applied);
    }

    /// <summary>The outcome, the issue, its log entry and the one run found by its subject name the same run.</summary>
    private static async Task AssertRecordedAsync(EnhanceHarness h, IssueId id, DispatchOutcome outcome, IssueState state)
    {
        var runId = Assert.NotNull(outcome.RunId);
        var issue = await h.Issues.GetAsync(id);
        Assert.Equal(state, issue.Status.State);
        Assert.Equal(runId, issue.RunId);
        Assert.Equal(runId, (await h.Log.FindAsync(id))!.RunId);
        var runs = await h.Provider.GetRequiredService<ICouncilRepository>().ListRunsBySubjectAsync(CouncilRunSubjects.ForIssue(id)).ToListAsync();
        Assert.Equal(runId, Assert.Single(runs).Id);
    }
}
