using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class FaultLoggingTests
{
    private const string Patch = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    [Fact]
    public async Task A_retried_fault_logs_one_warning_line_naming_it_and_its_stack_trace_only_at_debug()
    {
        var recorder = new LogRecorder();
        var faults = new FaultPlan { Match = n => n == "blueprints.head" };
        await using var h = await EnhanceHarness.CreateAsync(
            configure: s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(recorder)),
            faults: faults);
        await h.EnqueueAsync(Patch);
        faults.Arm(1);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Retrying, outcome!.Result);
        var warning = Assert.Single(recorder.Entries, e => e.EventId == 3005);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Null(warning.Exception);
        Assert.DoesNotContain('\n', warning.Message);
        Assert.Contains("injected fault", warning.Message, StringComparison.Ordinal);
        var detail = Assert.Single(recorder.Entries, e => e.EventId == 3018);
        Assert.Equal(LogLevel.Debug, detail.Level);
        Assert.NotNull(detail.Exception);
        Assert.All(
            recorder.Entries.Where(e => e.Level >= LogLevel.Warning && e.Level < LogLevel.Error),
            e => Assert.Null(e.Exception));
    }

    [Fact]
    public async Task A_failing_agent_logs_one_warning_line_and_its_stack_trace_only_at_debug()
    {
        var recorder = new LogRecorder();
        await using var engine = EngineHarness.Create(s => s
            .AddIssueCoreAgent("boom", new TestAgent((_, _) => throw new InvalidOperationException("agent broke\nsecond line")))
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(recorder)));

        try
        {
            await engine.LaunchAsync(EngineHarness.Blueprint("""{"kind":"step","ref":"boom"}""", EngineHarness.HostAgents("boom")));
        }
        catch (IssueCoreException)
        {
            // The run fails; only its logs matter here.
        }

        var warnings = recorder.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Contains(warnings, e => e.EventId == 2103 && e.Message.Contains("agent broke", StringComparison.Ordinal));
        Assert.All(warnings, e => Assert.Null(e.Exception));
        Assert.All(warnings, e => Assert.DoesNotContain('\n', e.Message));
        Assert.Contains(recorder.Entries, e => e.Level == LogLevel.Debug && e.EventId == 2104 && e.Exception is not null);
    }

    [Fact]
    public async Task Marking_interrupted_runs_when_none_were_abandoned_logs_no_information_line()
    {
        var recorder = new LogRecorder();
        await using var engine = EngineHarness.Create(s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(recorder)));

        var marked = await engine.Launcher.MarkInterruptedRunsAsync();

        Assert.Equal(0, marked);
        Assert.DoesNotContain(recorder.Entries, e => e.EventId == 2006);
        Assert.DoesNotContain(recorder.Entries, e => e.Level >= LogLevel.Information && e.Message.Contains("Marked 0", StringComparison.Ordinal));
    }
}
