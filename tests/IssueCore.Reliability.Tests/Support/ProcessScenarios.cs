using System.Diagnostics;
using IssueCore.Council;
using Xunit.Abstractions;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>The multi-process scenarios, shared by the SQLite and the PostgreSQL test classes.</summary>
internal static class ProcessScenarios
{
    public const int IssueCount = 1_000;
    public const int SeriesCount = 10;
    public const int MinimumKills = 15;

    /// <summary>The most batches of <see cref="IssueCount"/> issues the kill scenario enqueues to reach <see cref="MinimumKills"/>.</summary>
    public const int MaxBatches = 4;

    /// <summary>
    /// Kill -9 during dispatch: one dispatcher process at a time, killed at a random moment (a seeded number of
    /// outcomes into its life, plus a seeded few milliseconds) at least <see cref="MinimumKills"/> times and
    /// restarted, until the queue is drained. After every restart, each run the killed process left
    /// <c>Running</c> must already be <c>Interrupted</c>. The summary reports how many re-dispatches found the commit or
    /// log entry of an attempt a kill interrupted and only finished its bookkeeping (<c>recovered</c>); the kills land
    /// at random moments, so that count is reported, not asserted.
    /// </summary>
    public static async Task<string> KillDuringDispatchAsync(PipelineHarness h, ITestOutputHelper output, SummarySink sink, string label, int seed)
    {
        var elapsed = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await h.InstallAsync();
        var series = await h.SeedSeriesAsync("kill", SeriesCount);
        var ids = await h.EnqueueMixAsync(series, IssueCount);
        var random = new Random(seed);
        int kills = 0, starts = 0, interrupted = 0, recovered = 0, batches = 1;

        while (true)
        {
            var leftRunning = await h.RunsAsync(CouncilRunStatus.Running, ct);
            var name = $"killed-{starts:D3}";
            await using var child = DispatcherProcess.Start(name, h.ChildArgsFor(name), "lease-ms=2000");
            starts++;
            await child.WaitReadyAsync(ct);
            foreach (var run in leftRunning)
            {
                var status = (await h.Council.GetRunAsync(run, ct))!.Status;
                Assert.True(status == CouncilRunStatus.Interrupted, $"Run {run}, left Running by a killed dispatcher, is {status} after the restart.");
                interrupted++;
            }

            if (kills >= MinimumKills + 10)
            {
                await WaitDrainedAsync(h, child, ct);
                await child.StopAsync(ct);
                recovered += child.Recoveries;
                break;
            }

            // Kill a seeded number of outcomes into this process's life, a seeded few milliseconds after one.
            var outcomes = random.Next(1, 31);
            var after = TimeSpan.FromMilliseconds(random.Next(0, 40));
            if (!await WaitOutcomesAsync(h, child, outcomes, ct))
            {
                await child.StopAsync(ct);
                recovered += child.Recoveries;
                if (kills >= MinimumKills || batches >= MaxBatches)
                {
                    break;
                }

                // The dispatcher drained the queue faster than the kills came (this process, the observer, may be
                // short of CPU): more issues, so the scenario still kills it the minimum number of times.
                ids.AddRange(await h.EnqueueMixAsync(series, IssueCount, first: batches * IssueCount));
                batches++;
                continue;
            }

            await Task.Delay(after, TimeProvider.System, ct);
            await child.KillAsync(ct);
            recovered += child.Recoveries;
            await h.SettleAfterKillAsync(name, ct);
            kills++;
        }

        Assert.True(await h.DrainedAsync(ct));
        var report = await PipelineInvariants.CheckAsync(h, ids, series);
        Assert.True(kills >= MinimumKills, $"Only {kills} kills happened before the queue drained.");
        return ScenarioSummary.Write(output, sink, label, report, elapsed, ("kills", kills), ("starts", starts), ("batches", batches), ("interrupted_runs", interrupted), ("recovered", recovered));
    }

    /// <summary>Two hosts, one store: two dispatcher processes drain 1,000 issues across 10 series together.</summary>
    public static async Task<string> TwoHostsAsync(PipelineHarness h, ITestOutputHelper output, SummarySink sink, string label)
    {
        var elapsed = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await h.InstallAsync();
        var series = await h.SeedSeriesAsync("two", SeriesCount);

        // Both hosts start before any issue exists. (A starting host marks only abandoned runs, so a later start
        // would leave the other live host's runs alone; this scenario measures two hosts draining one queue.)
        await using var a = DispatcherProcess.Start("host-a", h.ChildArgs);
        await using var b = DispatcherProcess.Start("host-b", h.ChildArgs);
        await a.WaitReadyAsync(ct);
        await b.WaitReadyAsync(ct);
        var ids = await h.EnqueueMixAsync(series, IssueCount);
        await WaitDrainedAsync(h, a, ct, b);
        await a.StopAsync(ct);
        await b.StopAsync(ct);

        var report = await PipelineInvariants.CheckAsync(h, ids, series);
        return ScenarioSummary.Write(output, sink, label, report, elapsed, ("hosts", 2), ("kills", 0), ("outcomes_a", a.Outcomes), ("outcomes_b", b.Outcomes));
    }

    /// <summary>Waits until <paramref name="child"/> logged <paramref name="outcomes"/> outcomes; false when the queue drained first.</summary>
    private static async Task<bool> WaitOutcomesAsync(PipelineHarness h, DispatcherProcess child, int outcomes, CancellationToken ct)
    {
        for (var poll = 0; child.Outcomes < outcomes; poll++)
        {
            Assert.False(child.HasExited, $"The dispatcher {child.Name} exited on its own: {child.StderrTail()}");
            if (poll % 25 == 24 && await h.DrainedAsync(ct))
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, ct);
        }

        return true;
    }

    private static async Task WaitDrainedAsync(PipelineHarness h, DispatcherProcess child, CancellationToken ct, DispatcherProcess? other = null)
    {
        while (!await h.DrainedAsync(ct))
        {
            Assert.False(child.HasExited, $"The dispatcher {child.Name} exited on its own: {child.StderrTail()}");
            Assert.False(other?.HasExited ?? false, $"The dispatcher {other?.Name} exited on its own: {other?.StderrTail()}");
            await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, ct);
        }
    }
}
