using BenchmarkDotNet.Running;

// Runs the benchmarks chosen on the command line, for example:
//   dotnet run -c Release --project benchmarks/IssueCore.Benchmarks -- --filter '*Lua*'
if (args is ["--sqlite-paired"])
{
    await IssueCore.Benchmarks.Sqlite.SqlitePairedRun.RunAsync(Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
