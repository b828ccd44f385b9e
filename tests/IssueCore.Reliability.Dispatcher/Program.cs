using System.Diagnostics;
using System.Globalization;
using IssueCore.Reliability.Dispatcher;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A dispatcher host as an operator runs it: AddIssueCore + an adapter + AddIssueCoreWorker in a generic host.
//
//   store=sqlite|postgres cs=<connection string> [schema=<postgres schema>] name=<dispatcher id>
//   [lease-ms=3000] [poll-ms=100] [max-attempts=10]
//
// Prints "ready <pid>" once the host has started (interrupted runs are marked by then), one "outcome <event> ..."
// line per dispatch outcome the dispatcher logs, one "recovering ..." line per re-dispatch that found an earlier
// attempt's commit or log entry, and "stopped peak_working_set=<bytes>" after a "stop" line (or the end of stdin)
// shut the host down gracefully. An "approve <issue id> <approver>" line approves a waiting issue in this process and
// prints "approved <issue id> <result>" (or "approve-refused <issue id> <error>"). Warnings and errors go to stderr.
var settings = HostArguments.Parse(args);
if (settings is null)
{
    await Console.Error.WriteLineAsync("usage: store=sqlite|postgres cs=<connection string> [schema=<name>] name=<dispatcher id> [lease-ms=3000] [poll-ms=100] [max-attempts=10]");
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
builder.Logging.ClearProviders();
builder.Logging.SetMinimumLevel(LogLevel.Information);
builder.Logging.AddProvider(new LineLoggerProvider());
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

var services = builder.Services;
services.AddIssueCore(o => o.Security.SigningKey = HostArguments.SigningKey);
if (settings.Store == "postgres")
{
    services.UsePostgres(o =>
    {
        o.ConnectionString = settings.ConnectionString;
        o.Schema = settings.Schema ?? "issuecore";
    });
}
else
{
    services.UseSqlite(settings.ConnectionString);
}

services.AddIssueCoreWorker(o =>
{
    o.DispatcherId = settings.Name;
    o.LeaseDuration = settings.Lease;
    o.PollInterval = settings.Poll;
    o.MaxAttempts = settings.MaxAttempts;
    o.RetryBaseDelay = TimeSpan.FromMilliseconds(100);
    o.RetryMaxDelay = TimeSpan.FromSeconds(1);
});

// A host axis that runs the proposed Blueprint once in the sandbox; only settings that list "smoke" use it.
services.AddIssueCoreVerifierAxis<SmokeRunVerifierAxis>(SmokeRunVerifierAxis.Name);

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

while (await Console.In.ReadLineAsync() is { } line && line != "stop")
{
    // "approve <issue id> <approver>": the operator's call, made by this process like any host would make it.
    if (line.StartsWith("approve ", StringComparison.Ordinal) && line.Split(' ') is [_, var issue, var approver])
    {
        var app = host.Services.GetRequiredService<IssueCore.Enhance.EnhanceApplication>();
        try
        {
            var outcome = await app.ApproveAsync(IssueCore.Issues.IssueId.Parse(issue), approver, "approved by " + settings.Name);
            Console.WriteLine($"approved {issue} {outcome.Result}");
        }
        catch (IssueCore.IssueCoreException ex)
        {
            Console.WriteLine($"approve-refused {issue} {ex.GetType().Name}");
        }
    }
}

await host.StopAsync();
using var self = Process.GetCurrentProcess();
self.Refresh();
Console.WriteLine("stopped peak_working_set=" + self.PeakWorkingSet64.ToString(CultureInfo.InvariantCulture));
return 0;
