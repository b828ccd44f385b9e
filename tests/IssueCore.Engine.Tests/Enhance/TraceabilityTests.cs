using System.Diagnostics;
using System.Text;
using IssueCore.Council;
using IssueCore.Diagnostics;
using IssueCore.Enhance;
using IssueCore.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class TraceabilityTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string TraceParent = "00-" + TraceId + "-00f067aa0ba902b7-01";

    private static byte[] Request(string eventId) => Encoding.UTF8.GetBytes(
        $$"""
        {"title":"Hand over","target_repo":"orders","priority":"high","source_type":"rule","source_id":"r",
         "triggering_event_id":"{{eventId}}","activity_definition_id":"a",
         "patch":[{"op":"replace","path":"/metadata/owner","value":"team-b"}]}
        """);

    private static Task<EnhanceHarness> HarnessAsync()
        => EnhanceHarness.CreateAsync(configure: services => services.AddIssueCoreIngestion());

    [Fact]
    public async Task Dispatch_run_id_is_on_the_outcome_the_log_entry_and_the_issue_and_the_run_is_found_by_its_issue()
    {
        await using var h = await HarnessAsync();
        var ingestion = h.Provider.GetRequiredService<IIssueIngestionService>();
        var ingested = await ingestion.IngestJsonAsync(Request("event-run-id"));

        var outcome = await h.App.TickAsync();

        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Applied, outcome.Result);
        var runId = Assert.NotNull(outcome.RunId);
        Assert.Equal(runId, (await h.Issues.GetAsync(ingested.IssueId)).RunId);
        Assert.Equal(runId, (await h.Log.FindAsync(ingested.IssueId))!.RunId);
        var runs = h.Provider.GetRequiredService<ICouncilRepository>();
        var run = Assert.Single(await runs.ListRunsBySubjectAsync(CouncilRunSubjects.ForIssue(ingested.IssueId)).ToListAsync());
        Assert.Equal(runId, run.Id);
        Assert.Equal(CouncilRunStatus.Completed, run.Status);
    }

    [Fact]
    public async Task Dispatch_activity_continues_the_trace_of_the_ingestion_request()
    {
        await using var h = await HarnessAsync();
        var ingestion = h.Provider.GetRequiredService<IIssueIngestionService>();
        var ingested = await ingestion.IngestTransportJsonAsync(Request("event-traced"), new IngestionContext { TraceParent = TraceParent });
        var dispatches = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == IssueCoreTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                if (a.OperationName == IssueCoreTelemetry.DispatchActivity && Equals(a.GetTagItem(IssueCoreTelemetry.IssueIdTag), ingested.IssueId.Value))
                {
                    lock (dispatches)
                    {
                        dispatches.Add(a);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        Assert.Equal(TraceParent, (await h.Issues.GetAsync(ingested.IssueId)).TraceParent);
        var dispatch = Assert.Single(dispatches);
        Assert.Equal(TraceId, dispatch.TraceId.ToHexString());
        Assert.Equal("00f067aa0ba902b7", dispatch.ParentSpanId.ToHexString());
    }

    [Fact]
    public async Task A_malformed_traceparent_is_ignored_with_a_warning_and_the_issue_is_created()
    {
        await using var h = await HarnessAsync();
        var ingestion = h.Provider.GetRequiredService<IIssueIngestionService>();

        var result = await ingestion.IngestTransportJsonAsync(Request("event-bad-trace"), new IngestionContext { TraceParent = "not-a-traceparent" });

        Assert.True(result.Created);
        Assert.Equal("traceparent", Assert.Single(result.Warnings).Path);
        Assert.Null((await h.Issues.GetAsync(result.IssueId)).TraceParent);
    }
}
