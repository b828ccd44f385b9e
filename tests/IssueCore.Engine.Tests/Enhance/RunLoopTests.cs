using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Blueprints;
using IssueCore.Diagnostics;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class RunLoopTests
{
    // Generous: the machine may be busy; these bounds only keep a broken loop from hanging the run.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_issue_enqueued_in_the_same_process_wakes_the_idle_worker_without_waiting_for_the_poll()
    {
        // The fake clock never moves, so the poll interval never passes: only the enqueue can wake the loop.
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.MaxConcurrentDispatches = 2);
        using var stop = new CancellationTokenSource();
        var worker = h.App.RunAsync(stop.Token);

        var ids = new List<IssueId>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await h.EnqueueAsync($$"""[{"op":"replace","path":"/metadata/owner","value":"owner-{{i}}"}]""")).Issue.Id);
            await WaitUntilAsync(() => h.AllTerminalAsync(ids));
        }

        await stop.CancelAsync();
        await worker.WaitAsync(Patience);
        foreach (var id in ids)
        {
            Assert.Equal(IssueState.Applied, (await h.Issues.GetAsync(id)).Status.State);
        }
    }

    [Fact]
    public async Task An_issue_ingested_through_the_ingestion_service_of_the_same_process_wakes_the_idle_worker()
    {
        await using var h = await EnhanceHarness.CreateAsync(configure: s => s.AddIssueCoreIngestion());
        using var stop = new CancellationTokenSource();
        var worker = h.App.RunAsync(stop.Token);

        var ingested = await h.Provider.GetRequiredService<IssueCore.Ingestion.IIssueIngestionService>()
            .IngestAsync(IssueCore.Engine.Tests.Ingestion.IngestionFixture.ValidRequest() with { BlueprintId = EnhanceHarness.Target.Value });
        await WaitUntilAsync(() => h.AllTerminalAsync([ingested.IssueId]));

        await stop.CancelAsync();
        await worker.WaitAsync(Patience);
    }

    [Fact]
    public async Task Cancelling_an_idle_worker_ends_it_without_the_poll_interval_passing()
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.PollInterval = TimeSpan.FromHours(1));
        using var stop = new CancellationTokenSource();
        var worker = h.App.RunAsync(stop.Token);

        await stop.CancelAsync();

        await worker.WaitAsync(Patience);
        Assert.True(worker.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task The_worker_runs_up_to_max_concurrent_dispatches_flows_at_once_and_no_more()
    {
        var probe = new ConcurrencyProbe(target: 3);
        await using var h = await EnhanceHarness.CreateAsync(
            configure: s => s.AddSingleton<IAgentMiddleware>(probe),
            options: o => o.MaxConcurrentDispatches = 3);
        var series = Enumerable.Range(0, 6).Select(i => BlueprintId.Parse("orders-" + i)).ToArray();
        foreach (var id in series)
        {
            await h.Blueprints.WriteNewAsync(id, Blueprint.Parse($$$"""{"id":"{{{id.Value}}}","metadata":{"version_label":"1.0.0","owner":"a"},"agents":[],"flow":{"kind":"seq","children":[]}}"""), [], new CommitMetadata("seed", Origin: "seed"));
        }

        var ids = new List<IssueId>();
        foreach (var id in series)
        {
            ids.Add((await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"b"}]""", target: id)).Issue.Id);
        }

        using var stop = new CancellationTokenSource();
        var worker = h.App.RunAsync(stop.Token);
        await WaitUntilAsync(() => h.AllTerminalAsync(ids));
        await stop.CancelAsync();
        await worker.WaitAsync(Patience);

        // The probe holds every flow until three run at once, so reaching the end means three ran side by side.
        Assert.Equal(3, probe.Peak);
        foreach (var id in ids)
        {
            Assert.Equal(IssueState.Applied, (await h.Issues.GetAsync(id)).Status.State);
        }
    }

    [Fact]
    public async Task Concurrent_dispatches_of_one_series_in_one_application_take_turns_and_never_lose_the_compare_and_swap()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var ids = new List<IssueId>();
        for (var i = 0; i < 200; i++)
        {
            ids.Add((await h.EnqueueAsync($$"""[{"op":"replace","path":"/metadata/owner","value":"owner-{{i}}"}]""")).Issue.Id);
        }

        using var meters = new TestMeterFactory();
        long headMoved = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == IssueCoreTelemetry.DispatchRetries)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == IssueCoreTelemetry.RetryReasonTag && "head_moved".Equals(tag.Value))
                {
                    Interlocked.Add(ref headMoved, value);
                }
            }
        });
        listener.Start();

        // One application, four loops calling TickAsync at once (what RunAsync does with four concurrent dispatches).
        var app = h.NewDispatcher("one-process", meters);
        var applied = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (await app.TickAsync() is { } outcome)
            {
                if (outcome.Result == DispatchResult.Applied)
                {
                    Interlocked.Increment(ref applied);
                }
            }
        })));

        Assert.Equal(200, applied);
        Assert.Equal(0, Interlocked.Read(ref headMoved));
        var history = await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 500);
        Assert.Equal(201, history.Count);
    }

    [Fact]
    public void Max_concurrent_dispatches_outside_one_to_1024_fails_validation()
    {
        foreach (var value in new[] { 0, -1, 1025 })
        {
            using var provider = new ServiceCollection()
                .AddIssueCore(o => o.Security.SigningKey = EngineHarness.SigningKey)
                .UseInMemory()
                .AddIssueCoreWorker(o => o.MaxConcurrentDispatches = value)
                .BuildServiceProvider();

            var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value);
            Assert.Contains(error.Failures, f => f.Contains("MaxConcurrentDispatches", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Max_concurrent_dispatches_defaults_to_the_processor_count()
        => Assert.Equal(Environment.ProcessorCount, new EnhanceApplicationOptions().MaxConcurrentDispatches);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var patience = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, patience.Token);
        }
    }

    /// <summary>Holds each flow's first agent call until <c>target</c> flows are inside at once, and records the peak.</summary>
    private sealed class ConcurrencyProbe(int target) : IAgentMiddleware
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;
        private int _peak;

        public int Peak => Volatile.Read(ref _peak);

        public async ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken)
        {
            if (invocation.AgentName != "patch-spawner")
            {
                return await next(invocation, cancellationToken);
            }

            var inside = Interlocked.Increment(ref _inside);
            InterlockedMax(ref _peak, inside);
            if (inside >= target)
            {
                _reached.TrySetResult();
            }

            try
            {
                await _reached.Task.WaitAsync(Patience, TimeProvider.System, cancellationToken);
                return await next(invocation, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }

        private static void InterlockedMax(ref int location, int value)
        {
            int current;
            while ((current = Volatile.Read(ref location)) < value && Interlocked.CompareExchange(ref location, value, current) != current)
            {
            }
        }
    }
}
