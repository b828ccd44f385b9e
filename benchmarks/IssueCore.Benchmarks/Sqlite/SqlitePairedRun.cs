using System.Diagnostics;
using System.Globalization;

namespace IssueCore.Benchmarks.Sqlite;

/// <summary>
/// A noise-robust cross-check of <see cref="SqliteStoreBenchmarks"/> for shared machines: one
/// process, one file, the raw and the store side of each pair run alternately in short rounds, and
/// the median per-operation time of each side is compared. Run with
/// <c>dotnet run -c Release --project benchmarks/IssueCore.Benchmarks -- --sqlite-paired</c>.
/// </summary>
internal static class SqlitePairedRun
{
    public static async Task RunAsync(TextWriter output)
    {
        var bench = new SqliteStoreBenchmarks();
        await bench.SetupAsync();
        try
        {
            var pairs = new (string Name, Func<Task> Raw, Func<Task> Store, int OpsPerCall, int Calls)[]
            {
                ("ClaimComplete", bench.Raw_claim_complete, bench.Store_claim_complete, 200, 10),
                ("WriteNew", bench.Raw_write_new, async () => await bench.Store_write_new(), 1, 1000),
                ("ReadHead", async () => await bench.Raw_read_head(), async () => await bench.Store_read_head(), 1, 2000),
                ("LogAppend", bench.Raw_log_append, bench.Store_log_append, 1, 1000),
            };
            output.WriteLine("| Pair | Raw median (us/op) | Store median (us/op) | Ratio | Per-round ratios |");
            output.WriteLine("| --- | ---: | ---: | ---: | --- |");
            foreach (var (name, raw, store, opsPerCall, calls) in pairs)
            {
                for (var i = 0; i < 20; i++)
                {
                    await raw();
                    await store();
                }

                var rawTimes = new List<double>();
                var storeTimes = new List<double>();
                var ratios = new List<string>();
                for (var round = 0; round < 9; round++)
                {
                    var r = await TimeAsync(raw, calls) / (calls * opsPerCall);
                    var s = await TimeAsync(store, calls) / (calls * opsPerCall);
                    rawTimes.Add(r);
                    storeTimes.Add(s);
                    ratios.Add((s / r).ToString("F2", CultureInfo.InvariantCulture));
                }

                var rawMedian = Median(rawTimes);
                var storeMedian = Median(storeTimes);
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {name} | {rawMedian:F1} | {storeMedian:F1} | {storeMedian / rawMedian:F2} | {string.Join(' ', ratios)} |"));
            }
        }
        finally
        {
            await bench.CleanupAsync();
        }
    }

    private static async Task<double> TimeAsync(Func<Task> action, int calls)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            await action();
        }

        return watch.Elapsed.TotalMicroseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
