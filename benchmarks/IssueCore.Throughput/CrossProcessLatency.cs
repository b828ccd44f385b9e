using System.Globalization;
using System.Text.Json;
using IssueCore.Adapters.Postgres;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Throughput;

/// <summary>
/// Enqueue → applied on PostgreSQL when the enqueue comes from ANOTHER store instance (its own service provider and
/// connection pool, as another process would be): host B runs the dispatch loop (default poll interval), host A only
/// creates issues through its <see cref="IIssueStore"/>. Measured with <see cref="PostgresStoreOptions.NotifyOnEnqueue"/>
/// off, then on, in one run. Samples are spaced by the same pseudo-random gaps (0–1 s) in both modes, so without
/// notifications an enqueue lands at a random point of the poll interval.
/// </summary>
internal static class CrossProcessLatency
{
    private static readonly TimeSpan SampleLimit = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(int samples)
    {
        var results = new List<(bool Notify, double[] Sorted)>();
        foreach (var notify in new[] { false, true })
        {
            results.Add((notify, await MeasureAsync(notify, samples)));
        }

        Console.WriteLine();
        Console.WriteLine("| Enqueue from another store instance | Samples | Enqueue → applied p50 | p90 | max |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (notify, sorted) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| NotifyOnEnqueue = {(notify ? "true" : "false")} | {sorted.Length} | {Percentile(sorted, 0.5):N1} ms | {Percentile(sorted, 0.9):N1} ms | {sorted[^1]:N1} ms |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"p50 ratio (off / on, same run): {Percentile(results[0].Sorted, 0.5) / Percentile(results[1].Sorted, 0.5):N0}×"));
    }

    private static async Task<double[]> MeasureAsync(bool notify, int samples)
    {
        var schema = "xproc_" + Guid.NewGuid().ToString("N")[..12];
        var series = BlueprintId.Parse("orders");
        try
        {
            await using var hostA = NewHost(schema, notify, "enqueuer");
            await using var hostB = NewHost(schema, notify, "dispatcher");
            var appB = hostB.GetRequiredService<EnhanceApplication>();
            await appB.InstallDefaultFlowAsync();
            await hostB.GetRequiredService<IBlueprintStore>().WriteNewAsync(
                series,
                Blueprint.Parse($$$"""
                    {"id":"{{{series.Value}}}","metadata":{"version_label":"1.0.0"},
                     "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 1}"}}],
                     "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
                    """),
                [],
                new CommitMetadata("seed", Origin: "seed"));
            var issues = hostA.GetRequiredService<IIssueStore>();
            using var stop = new CancellationTokenSource();
            var running = appB.RunAsync(stop.Token);
            var time = TimeProvider.System;
            var gaps = new Random(42);
            var latencies = new List<double>(samples);

            // One unmeasured sample warms both hosts (connections, the flow's scripts, the listener).
            for (var i = 0; i <= samples; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(gaps.Next(0, 1000)), time);
                var started = time.GetTimestamp();
                var created = await issues.CreateAsync(new IssueDraft
                {
                    BlueprintId = series,
                    Intent = $"sample {i}",
                    Patch = JsonDocument.Parse($$"""[{"op":"add","path":"/metadata/n{{i}}","value":{{i}}}]""").RootElement.Clone(),
                });
                using var limit = new CancellationTokenSource(SampleLimit);
                await appB.WaitUntilIdleAsync(limit.Token);
                var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
                var state = (await issues.GetAsync(created.Issue.Id)).Status.State;
                if (state != IssueState.Applied)
                {
                    throw new InvalidOperationException($"Sample {i} ended {state}, not Applied.");
                }

                if (i > 0)
                {
                    latencies.Add(elapsed);
                }
            }

            await stop.CancelAsync();
            await running;
            latencies.Sort();
            return [.. latencies];
        }
        finally
        {
            await PostgresWal.DropAsync(schema);
        }
    }

    private static ServiceProvider NewHost(string schema, bool notify, string name)
    {
        var services = new ServiceCollection()
            .AddIssueCore(o => o.Security.AllowDevelopmentKey = true)
            .UsePostgres(o =>
            {
                o.ConnectionString = $"{PostgresWal.ConnectionString};Application Name={name}";
                o.Schema = schema;
                o.NotifyOnEnqueue = notify;
            });
        services.Configure<EnhanceApplicationOptions>(o => o.DispatcherId = name);
        return services.BuildServiceProvider();
    }

    private static double Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
