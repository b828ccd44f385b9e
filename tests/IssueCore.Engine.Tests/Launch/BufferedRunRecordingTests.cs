using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using IssueCore.Security;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Launch;

public sealed class BufferedRunRecordingTests
{
    private static readonly string Flow =
        """
        {"kind":"seq","children":[
          {"kind":"step","ref":"a","out":"$.a"},
          {"kind":"fanout","items":"$.items","bind":"$.item","out":"$.fan","body":{"kind":"step","ref":"b","in":{"op":"path","at":"$.item"},"out":"$.b"}},
          {"kind":"step","ref":"c","out":"$.c"}
        ]}
        """;

    private static Action<IServiceCollection> Agents => s => s
        .AddIssueCoreAgent("a", TestAgent.Constant("A"))
        .AddIssueCoreAgent("b", TestAgent.Returning(i => i))
        .AddIssueCoreAgent("c", TestAgent.Constant("C"));

    private static LaunchRequest Request(CouncilRunId runId) => new()
    {
        Flow = EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a", "b", "c")),
        InitialContext = new JsonObject { ["items"] = new JsonArray(1, 2) },
        OperatorId = "op",
        Role = "operator",
        RunId = runId,
    };

    [Fact]
    public async Task A_buffered_run_writes_nothing_until_taken_and_then_records_what_an_eager_run_records()
    {
        await using var engine = EngineHarness.Create(Agents);
        var eager = await engine.Launcher.LaunchAsync(Request(CouncilRunId.New()));
        var buffer = engine.Launcher.BufferRun();
        var runId = CouncilRunId.New();

        await engine.Launcher.WithRepository(buffer).LaunchAsync(Request(runId));

        Assert.Null(await engine.Repository.GetRunAsync(runId));
        var record = await buffer.TakeRecordAsync();
        Assert.NotNull(record);
        Assert.Equal(CouncilRunStatus.Completed, record.Run.Status);
        await engine.Repository.WriteRunAsync(record);
        buffer.MarkStored();

        var expected = (await engine.EventsAsync(eager.RunId)).Select(e => $"{e.Kind} {e.NodeId} {e.Wave}").Order().ToList();
        var actual = await engine.EventsAsync(runId);
        Assert.Equal(expected, actual.Select(e => $"{e.Kind} {e.NodeId} {e.Wave}").Order());
        Assert.Equal(Enumerable.Range(1, actual.Count).Select(i => (long)i), actual.Select(e => e.Sequence));
        Assert.Equal("C", (await engine.Repository.GetRunAsync(runId))!.Graph!.Value.GetProperty("final_context").GetProperty("c").GetString());
        Assert.True(buffer.IsStored);
        Assert.Null(await buffer.TakeRecordAsync());
    }

    [Fact]
    public async Task Cancelling_through_the_launcher_cancels_a_buffered_run_in_flight()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var engine = EngineHarness.Create(s => s
            .AddIssueCoreAgent("a", new TestAgent(async (_, ct) =>
            {
                started.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, ct);
                return null;
            }))
            .AddIssueCoreAgent("b", TestAgent.Returning(i => i))
            .AddIssueCoreAgent("c", TestAgent.Constant("C")));
        var buffer = engine.Launcher.BufferRun();
        var runId = CouncilRunId.New();
        var launch = engine.Launcher.WithRepository(buffer).LaunchAsync(Request(runId));
        await started.Task;

        // The dispatch launches through a copy over its buffer; the operator's cancel goes to the launcher itself.
        await engine.Launcher.CancelAsync(runId, engine.Launcher.IssueToken(runId, "op", Roles.Operator));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => launch);
        var record = await buffer.TakeRecordAsync();
        Assert.Equal(CouncilRunStatus.Cancelled, record!.Run.Status);
    }

    [Fact]
    public async Task Flushing_a_buffered_run_stores_it_as_it_stands_and_later_writes_pass_through()
    {
        await using var engine = EngineHarness.Create(Agents);
        var buffer = engine.Launcher.BufferRun();
        var runId = CouncilRunId.New();
        await buffer.CreateRunAsync(new CouncilRun { Id = runId, FlowId = "f", Status = CouncilRunStatus.Running, CreatedAt = engine.Time.GetUtcNow(), UpdatedAt = engine.Time.GetUtcNow() });
        await buffer.AppendEventsAsync([new CouncilRunEventDraft(runId, 0, RunEventKinds.StepStarted, "n0", Empty())]);

        await buffer.FlushAsync();
        Assert.Equal(CouncilRunStatus.Running, (await engine.Repository.GetRunAsync(runId))!.Status);
        Assert.Single(await engine.EventsAsync(runId));

        await buffer.AppendEventsAsync([new CouncilRunEventDraft(runId, 0, RunEventKinds.StepCompleted, "n0", Empty())]);
        await buffer.UpdateRunStatusAsync(runId, CouncilRunStatus.AwaitingApproval);

        Assert.Equal(CouncilRunStatus.AwaitingApproval, (await engine.Repository.GetRunAsync(runId))!.Status);
        Assert.Equal([1L, 2L], (await engine.EventsAsync(runId)).Select(e => e.Sequence));
        Assert.True(buffer.IsStored);
        Assert.Null(await buffer.TakeRecordAsync());
    }

    [Fact]
    public async Task A_failed_buffered_run_is_recorded_failed_and_flushes_with_its_failure_event()
    {
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("a", new TestAgent((_, _) => throw new InvalidOperationException("no"))));
        var buffer = engine.Launcher.BufferRun();
        var runId = CouncilRunId.New();

        await Assert.ThrowsAsync<FlowExecutionException>(() => engine.Launcher.WithRepository(buffer).LaunchAsync(new LaunchRequest
        {
            Flow = EngineHarness.Blueprint("""{"kind":"step","ref":"a"}""", EngineHarness.HostAgents("a")),
            InitialContext = [],
            OperatorId = "op",
            Role = "operator",
            RunId = runId,
        }));
        Assert.Null(await engine.Repository.GetRunAsync(runId));
        await buffer.FlushAsync();

        Assert.Equal(CouncilRunStatus.Failed, (await engine.Repository.GetRunAsync(runId))!.Status);
        Assert.Single(await engine.EventsAsync(runId), e => e.Kind == RunEventKinds.StepFailed);
    }

    [Fact]
    public async Task A_buffer_past_its_event_bound_flushes_and_passes_through()
    {
        await using var engine = EngineHarness.Create();
        var buffer = engine.Launcher.BufferRun();
        var runId = CouncilRunId.New();
        await buffer.CreateRunAsync(new CouncilRun { Id = runId, FlowId = "f", Status = CouncilRunStatus.Running, CreatedAt = engine.Time.GetUtcNow(), UpdatedAt = engine.Time.GetUtcNow() });
        var payload = Empty();

        for (var i = 0; i <= BufferedCouncilRepository.MaxBufferedEvents; i++)
        {
            await buffer.AppendEventAsync(new CouncilRunEventDraft(runId, 0, RunEventKinds.StepStarted, "n0", payload));
        }

        Assert.True(buffer.IsStored);
        var stored = await engine.EventsAsync(runId);
        Assert.Equal(BufferedCouncilRepository.MaxBufferedEvents + 1, stored.Count);
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Select(e => e.Sequence));
    }

    private static JsonElement Empty()
    {
        using var doc = JsonDocument.Parse("{}");
        return doc.RootElement.Clone();
    }
}
