using System.Collections.Concurrent;
using System.Diagnostics;
using IssueCore.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IssueCore.Engine.Tests.Launch;

public sealed class TelemetryTests
{
    private static readonly string Flow = """{"kind":"seq","children":[{"kind":"step","ref":"a"},{"kind":"step","ref":"a"}]}""";

    [Fact]
    public async Task Logging_registered_after_AddIssueCore_receives_run_and_agent_logs()
    {
        var provider = new CollectingLoggerProvider();
        await using var engine = EngineHarness.Create(s => s
            .AddIssueCoreAgent("a", TestAgent.Constant(1))
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(provider)));

        await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a")));

        Assert.Contains(2001, provider.EventIds); // run started
        Assert.Contains(2002, provider.EventIds); // run completed
        Assert.Equal(2, provider.EventIds.Count(id => id == 2101)); // one agent start per step
    }

    [Fact]
    public async Task A_span_is_opened_per_run_and_per_step_on_the_IssueCore_source()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "IssueCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("a", TestAgent.Constant(1)));

        var result = await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a")));

        var mine = spans.Where(a => (string?)a.GetTagItem("issuecore.run_id") == result.RunId.Value).ToList();
        var run = Assert.Single(mine, a => a.OperationName == "issuecore.run");
        var steps = mine.Where(a => a.OperationName == "issuecore.step").ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, s => Assert.Equal(run.SpanId, s.ParentSpanId));
    }

    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<int> EventIds { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Collector(EventIds);

        public void Dispose()
        {
        }

        private sealed class Collector(ConcurrentQueue<int> ids) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => ids.Enqueue(eventId.Id);
        }
    }
}
