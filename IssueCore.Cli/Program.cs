// The issuecore tool: see `issuecore --help` and docs/operating.md.
using IssueCore.Cli;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

return await CliApp.RunAsync(args, Console.Out, Console.Error, stop.Token);
