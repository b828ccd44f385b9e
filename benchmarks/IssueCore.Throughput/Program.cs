// End-to-end throughput: N issues ingested and dispatched through the enhance flow on each adapter, one fresh
// process per run so the peak working set belongs to that run alone.
//
//   dotnet run -c Release --project benchmarks/IssueCore.Throughput                       (10,000 and 100,000)
//   dotnet run -c Release --project benchmarks/IssueCore.Throughput -- --counts 1000,10000 --adapters sqlite
//
// Exit code 1 when memory does not stay flat from the smallest to the largest count (see FlatCheck).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using IssueCore.Throughput;

const string ResultPrefix = "RESULT ";

if (args is ["--run", var runAdapter, var runCount, var runBaseline])
{
    var work = Directory.CreateTempSubdirectory("issuecore-throughput-");
    try
    {
        var result = await ThroughputRun.MeasureAsync(runAdapter, int.Parse(runCount, CultureInfo.InvariantCulture), int.Parse(runBaseline, CultureInfo.InvariantCulture), work.FullName);
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
        return 0;
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        work.Delete(recursive: true);
    }
}

var counts = new[] { 10_000, 100_000 };
var adapters = new[] { "in-memory", "sqlite" };
var baselineIssues = 2_000;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--counts" when i + 1 < args.Length:
            counts = [.. args[++i].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).Order()];
            break;
        case "--adapters" when i + 1 < args.Length:
            adapters = args[++i].Split(',');
            break;
        case "--baseline" when i + 1 < args.Length:
            baselineIssues = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.WriteLine("""
                Usage: IssueCore.Throughput [--counts 10000,100000] [--adapters in-memory,sqlite] [--baseline 2000]
                  --counts    issue counts to run, smallest first (memory must stay flat from the smallest to the largest)
                  --adapters  in-memory, sqlite
                  --baseline  issues for the raw queue baseline (create, claim, complete) measured in each run
                """);
            return args[i] is "-h" or "--help" ? 0 : 2;
    }
}

Console.WriteLine($"Machine: {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}");
var results = new List<RunResult>();
foreach (var adapter in adapters)
{
    foreach (var count in counts)
    {
        Console.Error.WriteLine($"running {adapter} with {count:N0} issues...");
        results.Add(await RunChildAsync(adapter, count, Math.Min(baselineIssues, count)));
    }
}

Console.WriteLine();
Console.WriteLine("| Adapter | Issues | Ingest issues/s | Dispatch issues/s | p50 dispatch | p99 dispatch | Applied | Queue baseline issues/s | Ratio (baseline / dispatch) | Peak working set | Heap growth per issue |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var r in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Adapter} | {r.Issues:N0} | {r.IngestPerSecond:N0} | {r.DispatchPerSecond:N0} | {r.P50Milliseconds:N2} ms | {r.P99Milliseconds:N2} ms | {r.Applied:N0} | {r.BaselinePerSecond:N0} | {r.BaselinePerSecond / r.DispatchPerSecond:N1}× | {r.PeakWorkingSetBytes / 1048576.0:N0} MB | {r.HeapGrowthPerIssueBytes:N0} B |"));
}

Console.WriteLine();
var flat = true;
foreach (var group in results.GroupBy(r => r.Adapter))
{
    var verdict = FlatCheck.Judge([.. group]);
    flat &= verdict.Flat;
    Console.WriteLine($"{group.Key}: {verdict.Explanation}");
}

var incomplete = results.Where(r => r.Applied != r.Issues).ToList();
foreach (var r in incomplete)
{
    Console.WriteLine($"{r.Adapter} {r.Issues:N0}: only {r.Applied:N0} applied ({r.NotApplied:N0} not).");
}

return flat && incomplete.Count == 0 ? 0 : 1;

static async Task<RunResult> RunChildAsync(string adapter, int count, int baseline)
{
    var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
    var self = Environment.ProcessPath!;
    start.FileName = self;
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
    {
        start.ArgumentList.Add(typeof(ThroughputRun).Assembly.Location);
    }

    foreach (var a in new[] { "--run", adapter, count.ToString(CultureInfo.InvariantCulture), baseline.ToString(CultureInfo.InvariantCulture) })
    {
        start.ArgumentList.Add(a);
    }

    using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the measuring process.");
    var output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"The {adapter} run with {count} issues failed (exit {child.ExitCode}): {output}");
    return JsonSerializer.Deserialize<RunResult>(line[ResultPrefix.Length..])!;
}
