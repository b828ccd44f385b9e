// IssueCore quickstart: a Blueprint series on embedded SQLite, a handful of issues that show every
// outcome, the dispatcher run until the queue is idle, then the version history and the enhance log.
//
//   dotnet run --project samples/IssueCore.Samples.Quickstart
//   dotnet run --project samples/IssueCore.Samples.Quickstart -- --db /tmp/demo.db
//   dotnet run --project samples/IssueCore.Samples.Quickstart -- --help
using IssueCore.Samples.Quickstart;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

return await QuickstartApp.RunAsync(args, Console.Out, stop.Token);
