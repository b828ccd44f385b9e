using BenchmarkDotNet.Running;

// Runs the benchmarks chosen on the command line, for example:
//   dotnet run -c Release --project benchmarks/IssueCore.Benchmarks -- --filter '*Lua*'
if (args is ["--sqlite-paired"])
{
    await IssueCore.Benchmarks.Sqlite.SqlitePairedRun.RunAsync(Console.Out);
    return;
}

// The NATS benchmarks need a real server: refuse before building anything when it is not configured.
if (args.Any(a => a.Contains("Nats", StringComparison.OrdinalIgnoreCase))
    && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(IssueCore.Benchmarks.Nats.NatsIngestBenchmarks.Variable)))
{
    await Console.Error.WriteLineAsync(
        $"{IssueCore.Benchmarks.Nats.NatsIngestBenchmarks.Variable} is not set: the NATS benchmarks need a real NATS server with JetStream. "
        + "Run `source .ci/nats.sh start` from the repository root, run the benchmarks from that shell, then `.ci/nats.sh stop`.");
    Environment.ExitCode = 2;
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
