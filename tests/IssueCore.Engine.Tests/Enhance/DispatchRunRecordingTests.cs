using IssueCore.Council;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class DispatchRunRecordingTests
{
    private const string Patch = """[{"op":"add","path":"/metadata/a","value":1}]""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_dispatch_records_its_completed_run_with_every_step_event_buffered_or_eager(bool eager)
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.RecordRunsEagerly = eager);
        var id = (await h.EnqueueAsync(Patch)).Issue.Id;

        await h.DrainAsync([id]);

        var council = h.Provider.GetRequiredService<ICouncilRepository>();
        var runs = new List<CouncilRun>();
        await foreach (var run in council.ListRunsAsync())
        {
            runs.Add(run);
        }

        var dispatched = Assert.Single(runs, r => r.Subject == "issue:" + id.Value);
        Assert.Equal(CouncilRunStatus.Completed, dispatched.Status);
        Assert.Equal(eager, dispatched.Graph!.Value.TryGetProperty("final_context", out _)); // buffered: rebuilt from the outputs
        var events = new List<CouncilRunEvent>();
        await foreach (var e in council.ListEventsAsync(dispatched.Id))
        {
            events.Add(e);
        }

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(7, events.Count(e => e.Kind == RunEventKinds.StepCompleted)); // spawner, applier, four axes, committer
        Assert.Equal(7, events.Count(e => e.Kind == RunEventKinds.StepStarted));
    }

    [Fact]
    public async Task The_ctx_of_a_buffered_dispatch_run_is_rebuilt_from_its_step_outputs_as_the_eager_run_stored_it()
    {
        var issue = IssueCore.Issues.IssueId.Parse("issue-ctx");
        var eagerCtx = await FinalContextAsync(eager: true, issue);
        var bufferedCtx = await FinalContextAsync(eager: false, issue);

        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(eagerCtx, bufferedCtx), $"eager: {eagerCtx.ToJsonString()}\nbuffered: {bufferedCtx.ToJsonString()}");
        Assert.NotNull(bufferedCtx["verdicts"]);
    }

    private static async Task<System.Text.Json.Nodes.JsonObject> FinalContextAsync(bool eager, IssueCore.Issues.IssueId issue)
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.RecordRunsEagerly = eager);
        await h.EnqueueAsync(Patch, id: issue);
        await h.DrainAsync([issue]);
        var council = h.Provider.GetRequiredService<ICouncilRepository>();
        await foreach (var run in council.ListRunsAsync())
        {
            var launcher = h.Provider.GetRequiredService<TaskLaunchService>();
            return await launcher.ReadContextAsync(run.Id, launcher.IssueToken(run.Id, "op", IssueCore.Security.Roles.Operator));
        }

        throw new InvalidOperationException("No run was recorded.");
    }

    [Fact]
    public async Task Buffered_dispatches_leave_one_completed_run_each_and_none_running()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var ids = new[] { (await h.EnqueueAsync(Patch)).Issue.Id, (await h.EnqueueAsync("""[{"op":"add","path":"/metadata/b","value":2}]""")).Issue.Id };

        await h.DrainAsync(ids);

        var council = h.Provider.GetRequiredService<ICouncilRepository>();
        var statuses = new List<CouncilRunStatus>();
        await foreach (var run in council.ListRunsAsync())
        {
            statuses.Add(run.Status);
        }

        Assert.Equal([CouncilRunStatus.Completed, CouncilRunStatus.Completed], statuses);
    }
}
