using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Diagnostics;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IssueCore.Throughput;

/// <summary>
/// One measured run in a fresh process. Ingest: N issues enqueued with <see cref="EnhanceApplication.HandleAsync"/>,
/// spread round-robin over S Blueprint series. Dispatch: D loops calling <see cref="EnhanceApplication.TickAsync"/>
/// at once until every issue is finished (disk bytes, heap, processor time, allocations, collections (one forced full
/// collection among them, for the heap figure) and latency per tick measured over this phase). Latency:
/// then the hosted worker's loop (<see cref="EnhanceApplication.RunAsync"/>) runs on the drained queue and issues are
/// enqueued one at a time, each waiting until it is applied, so enqueue → applied is the time an idle worker takes
/// to notice and finish one issue. The raw baseline in the same process: the queue alone (create, claim, complete)
/// for a smaller batch on a fresh store of the same kind.
/// </summary>
internal static class ThroughputRun
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan LatencyLimit = TimeSpan.FromSeconds(30);

    public static async Task<RunResult> MeasureAsync(string adapter, int issues, int baselineIssues, int dispatchers, int seriesCount, int latencySamples, bool phases, string workDirectory)
    {
        var schema = "throughput_" + Guid.NewGuid().ToString("N")[..12];
        var baseline = await MeasureBaselineAsync(adapter, baselineIssues, workDirectory, schema + "_base");
        var time = TimeProvider.System;
        using var watch = new DispatchWatch();
        using var writes = new StorageWriteWatch();
        using var timer = phases ? new PhaseTimer() : null;
        await using var provider = Build(adapter, Path.Combine(workDirectory, "throughput.db"), dispatchers, timer, schema);
        var app = provider.GetRequiredService<EnhanceApplication>();

        // The library's background services run as in a host (run retention with its default policy among them), so the
        // memory and disk figures are those of the default options.
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        await app.InstallDefaultFlowAsync();
        var series = Enumerable.Range(0, seriesCount).Select(s => BlueprintId.Parse(seriesCount == 1 ? "orders" : $"orders-{s}")).ToArray();
        foreach (var id in series)
        {
            await provider.GetRequiredService<IBlueprintStore>().WriteNewAsync(
                id,
                Blueprint.Parse($$$"""
                    {"id":"{{{id.Value}}}","metadata":{"version_label":"1.0.0","counter":0},
                     "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 1}"}}],
                     "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
                    """),
                [],
                new CommitMetadata("seed", Origin: "seed"));
        }

        var started = time.GetTimestamp();
        for (var i = 1; i <= issues; i++)
        {
            await app.HandleAsync(Draft(series[i % seriesCount], i));
        }

        var ingestSeconds = time.GetElapsedTime(started).TotalSeconds;

        var latencies = new double[issues];
        var dispatched = 0;
        var finished = 0;
        var applied = 0;
        long heapAtTenPercent = 0;
        var heapTaken = 0;
        using var drainLimit = new CancellationTokenSource(DrainLimit);
        var pgBefore = adapter == "postgres" ? await PostgresWal.ReadAsync(schema) : default;
        var ioBefore = ProcessIo.Read();
        var retriesBefore = watch.Retries;
        var cpuBefore = ProcessorTime();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        timer?.Reset();
        writes.Reset();
        started = time.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, dispatchers).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref finished) < issues && !drainLimit.IsCancellationRequested)
            {
                var tick = time.GetTimestamp();
                var outcome = await app.TickAsync();
                if (outcome is null)
                {
                    // Issues of other loops are still running, or retrying after a back-off: look again shortly.
                    await Task.Delay(TimeSpan.FromMilliseconds(2), time);
                    continue;
                }

                var index = Interlocked.Increment(ref dispatched) - 1;
                if (index < latencies.Length)
                {
                    latencies[index] = time.GetElapsedTime(tick).TotalMilliseconds;
                }

                if (outcome.Result is DispatchResult.Applied or DispatchResult.Rejected or DispatchResult.Failed)
                {
                    if (outcome.Result == DispatchResult.Applied)
                    {
                        Interlocked.Increment(ref applied);
                    }

                    if (Interlocked.Increment(ref finished) == issues / 10 && Interlocked.Exchange(ref heapTaken, 1) == 0)
                    {
                        heapAtTenPercent = GC.GetTotalMemory(forceFullCollection: true);
                    }
                }
            }
        })));

        var dispatchSeconds = time.GetElapsedTime(started).TotalSeconds;
        var cpu = ProcessorTime() - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        (gen0, gen1, gen2) = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
        var io = ProcessIo.Read() - ioBefore;
        var pgAfter = adapter == "postgres" ? await PostgresWal.ReadAsync(schema) : default;
        var retries = watch.Retries - retriesBefore;
        var (transactions, pages) = (writes.Transactions, writes.Pages);
        var pageSize = adapter == "sqlite" ? await PageSizeAsync(Path.Combine(workDirectory, "throughput.db")) : 0;
        if (timer is not null)
        {
            Console.Error.Write(timer.Report(finished));
            if (adapter == "sqlite")
            {
                Console.Error.Write(writes.Report(finished, pageSize));
            }
        }

        var heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        var ticks = Math.Min(dispatched, latencies.Length);
        Array.Sort(latencies, 0, ticks);

        var endToEnd = await MeasureLatencyAsync(app, watch, series, issues, latencySamples);
        for (var i = hosted.Count - 1; i >= 0; i--)
        {
            await hosted[i].StopAsync(CancellationToken.None);
        }

        if (adapter == "postgres")
        {
            await PostgresWal.DropAsync(schema);
            await PostgresWal.DropAsync(schema + "_base");
        }

        using var process = Process.GetCurrentProcess();
        return new RunResult(
            adapter,
            issues,
            dispatchers,
            seriesCount,
            issues / ingestSeconds,
            finished / dispatchSeconds,
            Percentile(latencies, ticks, 0.50),
            Percentile(latencies, ticks, 0.99),
            applied,
            issues - applied,
            retries,
            baseline,
            baselineIssues,
            process.PeakWorkingSet64,
            heapAtTenPercent,
            heapAtEnd,
            io.WriteBytes,
            io.WriteCallBytes,
            endToEnd.Length,
            Percentile(endToEnd, endToEnd.Length, 0.50),
            Percentile(endToEnd, endToEnd.Length, 0.99),
            transactions,
            pages,
            pageSize,
            pgAfter.WalPosition - pgBefore.WalPosition,
            pgAfter.SchemaBytes - pgBefore.SchemaBytes,
            cpu.TotalMilliseconds,
            allocated,
            gen0,
            gen1,
            gen2,
            Percentile(latencies, ticks, 0.999),
            Percentile(latencies, ticks, 1.0));
    }

    /// <summary>The processor time every thread of this process has used so far.</summary>
    private static TimeSpan ProcessorTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static async Task<int> PageSizeAsync(string databasePath)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    // Enqueue → applied with the worker loop running: one issue at a time, so each sample is an idle worker's wake-up
    // plus one dispatch.
    private static async Task<double[]> MeasureLatencyAsync(EnhanceApplication app, DispatchWatch watch, BlueprintId[] series, int offset, int samples)
    {
        var time = TimeProvider.System;
        var results = new List<double>(samples);
        using var stop = new CancellationTokenSource();
        var worker = app.RunAsync(stop.Token);
        try
        {
            for (var i = 1; i <= samples; i++)
            {
                var draft = Draft(series[i % series.Length], offset + i);
                var done = watch.Expect(draft.Id!.Value);
                var enqueued = time.GetTimestamp();
                await app.HandleAsync(draft);
                var finished = await done.WaitAsync(LatencyLimit, time);
                results.Add(time.GetElapsedTime(enqueued, finished).TotalMilliseconds);
            }
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"an issue was not finished within {LatencyLimit.TotalSeconds:N0} s of its enqueue; latency stops at {results.Count} samples");
        }
        finally
        {
            await stop.CancelAsync();
            await worker;
        }

        var sorted = results.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    private static IssueDraft Draft(BlueprintId target, int i) => new()
    {
        Id = IssueId.Parse(string.Create(CultureInfo.InvariantCulture, $"issue-{i}")),
        BlueprintId = target,
        Intent = string.Create(CultureInfo.InvariantCulture, $"Set the counter to {i}."),
        Patch = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $$"""[{"op":"replace","path":"/metadata/counter","value":{{i}}}]""")).RootElement.Clone(),
    };

    // The queue alone: what storing, claiming and completing an issue costs without running any flow.
    private static async Task<double> MeasureBaselineAsync(string adapter, int issues, string workDirectory, string schema)
    {
        var time = TimeProvider.System;
        await using var provider = Build(adapter, Path.Combine(workDirectory, "baseline.db"), dispatchers: 1, schema: schema);
        var store = provider.GetRequiredService<IIssueStore>();
        var started = time.GetTimestamp();
        for (var i = 0; i < issues; i++)
        {
            var created = await store.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = "baseline" });
            var claimed = await store.ClaimNextAsync("baseline", TimeSpan.FromMinutes(5))
                ?? throw new InvalidOperationException("The baseline issue was not claimable.");
            await store.CompleteAsync(claimed.Id, "baseline", IssueStatus.Rejected("baseline"));
            _ = created;
        }

        return issues / time.GetElapsedTime(started).TotalSeconds;
    }

    private static ServiceProvider Build(string adapter, string databasePath, int dispatchers, PhaseTimer? timer = null, string schema = "issuecore")
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o =>
        {
            o.Security.AllowDevelopmentKey = true;

            // ISSUECORE_THROUGHPUT_BRANCHES_AT_WAVE_END=1 (the --branches-at-wave-end switch): fan-out branch completions
            // recorded with their wave's end instead of one by one.
            o.RecordEachBranchCompletion = Environment.GetEnvironmentVariable("ISSUECORE_THROUGHPUT_BRANCHES_AT_WAVE_END") != "1";
        });
        services.Configure<EnhanceApplicationOptions>(o =>
        {
            o.DispatcherId = "throughput";
            o.MaxConcurrentDispatches = dispatchers;

            // ISSUECORE_THROUGHPUT_EAGER_RUNS=1 (the --eager-runs switch): each dispatch's run written as it executes.
            o.RecordRunsEagerly = Environment.GetEnvironmentVariable("ISSUECORE_THROUGHPUT_EAGER_RUNS") == "1";
        });
        _ = adapter switch
        {
            "in-memory" => services.UseInMemory(),
            "sqlite" => services.UseSqlite(o =>
            {
                o.ConnectionString = new SqliteConnectionStringBuilder { DataSource = databasePath }.ToString();
                // ISSUECORE_THROUGHPUT_PAGE_SIZE and ISSUECORE_THROUGHPUT_INLINE_CHECKPOINTS=1: the --page-size and --inline-checkpoints switches.
                if (int.TryParse(Environment.GetEnvironmentVariable("ISSUECORE_THROUGHPUT_PAGE_SIZE"), CultureInfo.InvariantCulture, out var pageSize))
                {
                    o.PageSize = pageSize;
                }

                o.CheckpointInBackground = Environment.GetEnvironmentVariable("ISSUECORE_THROUGHPUT_INLINE_CHECKPOINTS") != "1";
            }),
            "postgres" => services.UsePostgres(o =>
            {
                o.ConnectionString = PostgresWal.ConnectionString;
                o.Schema = schema;
            }),
            _ => throw new ArgumentException($"Unknown adapter '{adapter}' (in-memory | sqlite | postgres).", nameof(adapter)),
        };
        if (timer is not null)
        {
            timer.Wrap<IIssueStore>(services);
            timer.Wrap<IBlueprintStore>(services);
            timer.Wrap<IEnhanceSettingStore>(services);
            timer.Wrap<IEnhanceLogStore>(services);
            timer.Wrap<IssueCore.Council.ICouncilRepository>(services);
        }

        return services.BuildServiceProvider();
    }

    private static double Percentile(double[] sorted, int count, double p)
        => count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * count) - 1, 0, count - 1)];

    /// <summary>
    /// Listens to the engine's telemetry: the end of each dispatch activity (to time enqueue → finished) and the
    /// dispatch retry counter (lost compare-and-swaps and faults).
    /// </summary>
    private sealed class DispatchWatch : IDisposable
    {
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters;
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _expected = new(StringComparer.Ordinal);
        private long _retries;

        public DispatchWatch()
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == IssueCoreTelemetry.SourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> options)
                    => options.Name == IssueCoreTelemetry.DispatchActivity ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
                ActivityStopped = activity =>
                {
                    if (activity.OperationName == IssueCoreTelemetry.DispatchActivity
                        && activity.GetTagItem(IssueCoreTelemetry.IssueIdTag) is string id
                        && activity.GetTagItem(IssueCoreTelemetry.ResultTag) is "Applied" or "Rejected" or "Failed"
                        && _expected.TryRemove(id, out var done))
                    {
                        done.TrySetResult(Stopwatch.GetTimestamp());
                    }
                },
            };
            ActivitySource.AddActivityListener(_activities);
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == IssueCoreTelemetry.SourceName && instrument.Name == IssueCoreTelemetry.DispatchRetries)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _retries, value));
            _meters.Start();
        }

        public long Retries => Interlocked.Read(ref _retries);

        public Task<long> Expect(IssueId id)
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _expected[id.Value] = done;
            return done.Task;
        }

        public void Dispose()
        {
            _activities.Dispose();
            _meters.Dispose();
        }
    }
}
