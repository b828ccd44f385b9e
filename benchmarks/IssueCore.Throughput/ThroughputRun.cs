using System.Diagnostics;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Throughput;

/// <summary>
/// One measured run in a fresh process: N issues ingested with <see cref="EnhanceApplication.HandleAsync"/>, then
/// dispatched one by one with <see cref="EnhanceApplication.TickAsync"/> until the queue is empty. The raw baseline in
/// the same process: the queue alone (create, claim, complete) for a smaller batch on a fresh store of the same kind.
/// </summary>
internal static class ThroughputRun
{
    private static readonly BlueprintId Target = BlueprintId.Parse("orders");

    public static async Task<RunResult> MeasureAsync(string adapter, int issues, int baselineIssues, string workDirectory)
    {
        var baseline = await MeasureBaselineAsync(adapter, baselineIssues, workDirectory);
        var time = TimeProvider.System;
        await using var provider = Build(adapter, Path.Combine(workDirectory, "throughput.db"));
        var app = provider.GetRequiredService<EnhanceApplication>();
        await app.InstallDefaultFlowAsync();
        await provider.GetRequiredService<IBlueprintStore>().WriteNewAsync(
            Target,
            Blueprint.Parse("""
                {"id":"orders","metadata":{"version_label":"1.0.0","counter":0},
                 "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 1}"}}],
                 "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
                """),
            [],
            new CommitMetadata("seed", Origin: "seed"));

        var started = time.GetTimestamp();
        for (var i = 1; i <= issues; i++)
        {
            await app.HandleAsync(new IssueDraft
            {
                BlueprintId = Target,
                Intent = $"Set the counter to {i}.",
                Patch = JsonDocument.Parse($$"""[{"op":"replace","path":"/metadata/counter","value":{{i}}}]""").RootElement.Clone(),
            });
        }

        var ingestSeconds = time.GetElapsedTime(started).TotalSeconds;

        var latencies = new double[issues];
        var applied = 0;
        var dispatched = 0;
        long heapAtTenPercent = 0;
        started = time.GetTimestamp();
        while (true)
        {
            var tick = time.GetTimestamp();
            var outcome = await app.TickAsync();
            if (outcome is null)
            {
                break;
            }

            if (dispatched < latencies.Length)
            {
                latencies[dispatched] = time.GetElapsedTime(tick).TotalMilliseconds;
            }

            dispatched++;
            applied += outcome.Result == DispatchResult.Applied ? 1 : 0;
            if (dispatched == issues / 10)
            {
                heapAtTenPercent = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        var dispatchSeconds = time.GetElapsedTime(started).TotalSeconds;
        var heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        Array.Sort(latencies, 0, Math.Min(dispatched, latencies.Length));
        using var process = Process.GetCurrentProcess();
        return new RunResult(
            adapter,
            issues,
            issues / ingestSeconds,
            dispatched / dispatchSeconds,
            Percentile(latencies, dispatched, 0.50),
            Percentile(latencies, dispatched, 0.99),
            applied,
            dispatched - applied,
            baseline,
            baselineIssues,
            process.PeakWorkingSet64,
            heapAtTenPercent,
            heapAtEnd);
    }

    // The queue alone: what storing, claiming and completing an issue costs without running any flow.
    private static async Task<double> MeasureBaselineAsync(string adapter, int issues, string workDirectory)
    {
        var time = TimeProvider.System;
        await using var provider = Build(adapter, Path.Combine(workDirectory, "baseline.db"));
        var store = provider.GetRequiredService<IIssueStore>();
        var started = time.GetTimestamp();
        for (var i = 0; i < issues; i++)
        {
            var created = await store.CreateAsync(new IssueDraft { BlueprintId = Target, Intent = "baseline" });
            var claimed = await store.ClaimNextAsync("baseline", TimeSpan.FromMinutes(5))
                ?? throw new InvalidOperationException("The baseline issue was not claimable.");
            await store.CompleteAsync(claimed.Id, "baseline", IssueStatus.Rejected("baseline"));
            _ = created;
        }

        return issues / time.GetElapsedTime(started).TotalSeconds;
    }

    private static ServiceProvider Build(string adapter, string databasePath)
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true);
        services.Configure<EnhanceApplicationOptions>(o => o.DispatcherId = "throughput");
        _ = adapter switch
        {
            "in-memory" => services.UseInMemory(),
            "sqlite" => services.UseSqlite(new SqliteConnectionStringBuilder { DataSource = databasePath }.ToString()),
            _ => throw new ArgumentException($"Unknown adapter '{adapter}' (in-memory | sqlite).", nameof(adapter)),
        };
        return services.BuildServiceProvider();
    }

    private static double Percentile(double[] sorted, int count, double p)
        => count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * count) - 1, 0, count - 1)];
}
