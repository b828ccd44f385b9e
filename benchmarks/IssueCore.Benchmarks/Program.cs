using BenchmarkDotNet.Running;

// Runs the benchmarks chosen on the command line, for example:
//   dotnet run -c Release --project benchmarks/IssueCore.Benchmarks -- --filter '*Lua*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
