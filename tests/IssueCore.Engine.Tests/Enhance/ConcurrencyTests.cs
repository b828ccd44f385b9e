using System.Diagnostics.Metrics;
using IssueCore.Diagnostics;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Four_dispatch_loops_over_a_thousand_issues_on_one_series_apply_each_once_in_a_single_chain()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var ids = new List<IssueId>();
        for (var i = 0; i < 1_000; i++)
        {
            ids.Add((await h.EnqueueAsync($$"""[{"op":"replace","path":"/metadata/owner","value":"owner-{{i}}"}]""")).Issue.Id);
        }

        // Count the compare-and-swap retries of these four dispatchers only (their meters come from this factory).
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
        var dispatchers = Enumerable.Range(1, 4).Select(i => h.NewDispatcher("loop-" + i, meters)).ToArray();
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<DispatchOutcome>();
        for (var round = 0; !await h.AllTerminalAsync(ids); round++)
        {
            Assert.True(round < 100, "the issues did not reach a terminal state");
            await Task.WhenAll(dispatchers.Select(d => Task.Run(async () =>
            {
                while (await d.TickAsync() is { } outcome)
                {
                    outcomes.Add(outcome);
                }
            })));
            h.Time.Advance(h.Options.RetryMaxDelay + h.Options.LeaseDuration);
        }

        foreach (var id in ids)
        {
            Assert.Equal(IssueState.Applied, (await h.Issues.GetAsync(id)).Status.State);
        }

        var history = await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 2_000);
        Assert.Equal(1_001, history.Count);
        for (var i = 0; i < history.Count - 1; i++)
        {
            Assert.Equal([history[i + 1].Version], history[i].Parents);
        }

        Assert.Empty(history[^1].Parents);
        Assert.Equal(1_000, history.Where(c => c.Metadata.IssueId is not null).Select(c => c.Metadata.IssueId!.Value).Distinct().Count());
        Assert.Equal(1_000, (await h.LogEntriesAsync()).Count);
        Assert.Equal(1_000, outcomes.Count(o => o.Result == DispatchResult.Applied));

        // Series affinity: the four loops take turns on the one series (a claim skips a series holding a live lease)
        // instead of racing on its head, so no dispatch lost a compare-and-swap and re-ran its flow.
        Assert.Equal(0, Interlocked.Read(ref headMoved));
    }
}
