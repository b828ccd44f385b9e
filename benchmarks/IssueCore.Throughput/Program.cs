// End-to-end throughput: N issues ingested and dispatched through the enhance flow on each adapter, one fresh
// process per run so the peak working set belongs to that run alone.
//
//   dotnet run -c Release --project benchmarks/IssueCore.Throughput                       (10,000 and 100,000)
//   dotnet run -c Release --project benchmarks/IssueCore.Throughput -- --counts 2000,20000 --adapters in-memory,sqlite
//
// Every dispatcher/series layout runs at the smallest count; larger counts run the first layout only (the first
// --dispatchers value with the first --series value), which is also the layout the memory check compares.
// Exit code 1 when memory does not stay flat from the smallest to the largest count (see FlatCheck), or when an
// issue was not applied.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using IssueCore.Throughput;

const string ResultPrefix = "RESULT ";

// Enqueue -> applied on PostgreSQL with the enqueue made through a second store instance, LISTEN/NOTIFY off vs on.
if (args is ["--cross-process-latency", var crossSamples])
{
    await CrossProcessLatency.RunAsync(Int(crossSamples));
    return 0;
}

if (args is ["--run", var runAdapter, var runCount, var runBaseline, var runDispatchers, var runSeries, var runLatency, var runPhases])
{
    var work = Directory.CreateTempSubdirectory("issuecore-throughput-");
    try
    {
        var result = await ThroughputRun.MeasureAsync(
            runAdapter,
            Int(runCount),
            Int(runBaseline),
            Int(runDispatchers),
            Int(runSeries),
            Int(runLatency),
            runPhases == "1",
            work.FullName);
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
        return 0;
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Environment.GetEnvironmentVariable("ISSUECORE_THROUGHPUT_KEEP_DB") is { Length: > 0 } keep && File.Exists(Path.Combine(work.FullName, "throughput.db")))
        {
            // For a breakdown of where the bytes went (dbstat, row sizes): the measured file, copied before the clean-up.
            File.Copy(Path.Combine(work.FullName, "throughput.db"), keep, overwrite: true);
        }

        work.Delete(recursive: true);
    }
}

var counts = new[] { 10_000, 100_000 };
var adapters = new[] { "in-memory", "sqlite" };
var dispatcherCounts = new[] { 1, 2, 4 };
var seriesCounts = new[] { 1, 4 };
var baselineIssues = 2_000;
var latencySamples = 200;
var phases = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--counts" when i + 1 < args.Length:
            counts = [.. args[++i].Split(',').Select(Int).Order()];
            break;
        case "--adapters" when i + 1 < args.Length:
            adapters = args[++i].Split(',');
            break;
        case "--dispatchers" when i + 1 < args.Length:
            dispatcherCounts = [.. args[++i].Split(',').Select(Int)];
            break;
        case "--series" when i + 1 < args.Length:
            seriesCounts = [.. args[++i].Split(',').Select(Int)];
            break;
        case "--baseline" when i + 1 < args.Length:
            baselineIssues = Int(args[++i]);
            break;
        case "--latency-samples" when i + 1 < args.Length:
            latencySamples = Int(args[++i]);
            break;
        case "--phases":
            phases = true;
            break;
        case "--branches-at-wave-end":
            Environment.SetEnvironmentVariable("ISSUECORE_THROUGHPUT_BRANCHES_AT_WAVE_END", "1"); // read by the measuring processes
            break;
        case "--eager-runs":
            Environment.SetEnvironmentVariable("ISSUECORE_THROUGHPUT_EAGER_RUNS", "1"); // read by the measuring processes
            break;
        case "--page-size" when i + 1 < args.Length:
            Environment.SetEnvironmentVariable("ISSUECORE_THROUGHPUT_PAGE_SIZE", Int(args[++i]).ToString(CultureInfo.InvariantCulture)); // read by the measuring processes
            break;
        case "--inline-checkpoints":
            Environment.SetEnvironmentVariable("ISSUECORE_THROUGHPUT_INLINE_CHECKPOINTS", "1"); // read by the measuring processes
            break;
        default:
            Console.WriteLine("""
                Usage: IssueCore.Throughput [--counts 10000,100000] [--adapters in-memory,sqlite] [--dispatchers 1,2,4]
                                            [--series 1,4] [--baseline 2000] [--latency-samples 200] [--phases]
                  --counts           issue counts to run, smallest first (memory must stay flat from the smallest to the largest)
                  --adapters         in-memory, sqlite, postgres (postgres: ISSUECORE_POSTGRES names a server this run has to itself)
                  --dispatchers      concurrent dispatch loops in the process (TickAsync callers; MaxConcurrentDispatches of the worker)
                  --series           Blueprint series the issues are spread over, round-robin
                  --baseline         issues for the raw queue baseline (create, claim, complete) measured in each run
                  --latency-samples  issues enqueued one at a time with the worker loop running, timed enqueue -> applied
                  --phases           also print where the dispatch time goes: storage calls and engine spans, per dispatch
                                     (timing proxies around every port: slower, so read its rates as a profile only)
                  --branches-at-wave-end  IssueCoreOptions.RecordEachBranchCompletion = false (fan-out branches recorded with their wave)
                  --eager-runs       EnhanceApplicationOptions.RecordRunsEagerly = true (each dispatch's run written as it executes)
                  --page-size        SqliteStoreOptions.PageSize of the SQLite file the run creates (default 1024)
                  --inline-checkpoints  SqliteStoreOptions.CheckpointInBackground = false (the commit that crosses the threshold checkpoints)
                every dispatcher/series layout runs at the smallest count; larger counts run the first layout only
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
        var layouts = count == counts[0]
            ? dispatcherCounts.SelectMany(d => seriesCounts.Select(s => (d, s)))
            : [(dispatcherCounts[0], seriesCounts[0])];
        foreach (var (d, s) in layouts)
        {
            Console.Error.WriteLine($"running {adapter} with {count:N0} issues, {d} dispatcher(s), {s} series...");
            results.Add(await RunChildAsync(adapter, count, Math.Min(baselineIssues, count), d, s, latencySamples, phases));
        }
    }
}

Console.WriteLine();
Console.WriteLine("| Adapter | Issues | Dispatchers | Series | Ingest issues/s | Dispatch issues/s | p50 dispatch | p99 dispatch | Applied | Retries | Queue baseline issues/s | Ratio (baseline / dispatch) | Disk written per issue | write() bytes per issue | Write transactions per issue | WAL bytes per issue | Enqueue → applied p50 / p99 | Peak working set | Heap growth per issue | CPU per issue | Allocated per issue | GCs gen0 / gen1 / gen2 |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var r in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Adapter} | {r.Issues:N0} | {r.Dispatchers} | {r.Series} | {r.IngestPerSecond:N0} | {r.DispatchPerSecond:N0} | {r.P50Milliseconds:N2} ms | {r.P99Milliseconds:N2} ms | {r.Applied:N0} | {r.Retries:N0} | {r.BaselinePerSecond:N0} | {r.BaselinePerSecond / r.DispatchPerSecond:N1}× | {r.DiskBytesPerIssue / 1024:N1} KB | {r.WriteCallBytesPerIssue / 1024:N1} KB | {r.WriteTransactionsPerIssue:N1} | {r.WalBytesPerIssue / 1024:N1} KB | {r.LatencyP50Milliseconds:N1} / {r.LatencyP99Milliseconds:N1} ms ({r.LatencySamples}) | {r.PeakWorkingSetBytes / 1048576.0:N0} MB | {r.HeapGrowthPerIssueBytes:N0} B | {r.CpuMillisecondsPerIssue:N2} ms | {r.AllocatedBytesPerIssue / 1024:N1} KB | {r.Gen0Collections:N0} / {r.Gen1Collections:N0} / {r.Gen2Collections:N0} |"));
}

Console.WriteLine();
var flat = true;
foreach (var group in results.GroupBy(r => (r.Adapter, r.Dispatchers, r.Series)))
{
    var verdict = FlatCheck.Judge([.. group]);
    flat &= verdict.Flat;
    Console.WriteLine($"{group.Key.Adapter} ({group.Key.Dispatchers} dispatcher(s), {group.Key.Series} series): {verdict.Explanation}");
}

foreach (var r in results.Where(r => r.Adapter == "postgres"))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"postgres {r.Issues:N0} ({r.Dispatchers} dispatcher(s), {r.Series} series): {r.WalBytesPerIssue / 1024:N1} KB of WAL per issue (pg_current_wal_lsn), table files grew by {r.StoreGrowthPerIssue / 1024:N1} KB per issue"));
}

var incomplete = results.Where(r => r.Applied != r.Issues).ToList();
foreach (var r in incomplete)
{
    Console.WriteLine($"{r.Adapter} {r.Issues:N0} ({r.Dispatchers} dispatcher(s), {r.Series} series): only {r.Applied:N0} applied ({r.NotApplied:N0} not).");
}

return flat && incomplete.Count == 0 ? 0 : 1;

static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

static async Task<RunResult> RunChildAsync(string adapter, int count, int baseline, int dispatchers, int series, int latencySamples, bool phases)
{
    var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
    var self = Environment.ProcessPath!;
    start.FileName = self;
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
    {
        start.ArgumentList.Add(typeof(ThroughputRun).Assembly.Location);
    }

    foreach (var a in new object[] { "--run", adapter, count, baseline, dispatchers, series, latencySamples, phases ? 1 : 0 }.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!))
    {
        start.ArgumentList.Add(a);
    }

    using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the measuring process.");
    var output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"The {adapter} run with {count} issues failed (exit {child.ExitCode}): {output}");
    Console.WriteLine(line.TrimEnd());
    return JsonSerializer.Deserialize<RunResult>(line[ResultPrefix.Length..])!;
}
