// snippet: hosting
using System.Security.Cryptography;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services
    .AddIssueCore(o => o.Security.SigningKey = builder.Configuration["IssueCore:SigningKey"] // base64, >= 32 bytes
        ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))                       // a throw-away key for a demo
    .UseInMemory()                                  // or .UseSqlite("Data Source=issuecore.db"), .UsePostgres(connectionString)
    .AddIssueCoreWorker(o => o.PollInterval = TimeSpan.FromSeconds(1)); // the hosted dispatcher (opt-in)

using var host = builder.Build();
await host.StartAsync();
var issues = host.Services.GetRequiredService<EnhanceApplication>();
await issues.InstallDefaultFlowAsync();            // the built-in enhance flow and its setting (idempotent)

// A series begins with its first version, written to the Blueprint store. A Blueprint is JSON: an id, metadata with a
// semver version_label, the agents (Lua scripts or host agents) and the flow that runs them.
var orders = BlueprintId.Parse("orders");
var blueprints = host.Services.GetRequiredService<IBlueprintStore>();
await blueprints.WriteNewAsync(orders, Blueprint.Parse("""
    {"id": "orders",
     "metadata": {"version_label": "1.0.0", "owner": "team-a"},
     "agents": [{"name": "price", "kind": "lua", "spec": {"source": "return {ok = true, value = 42}"}}],
     "flow": {"kind": "step", "ref": "price", "in": {"op": "path", "at": "$"}, "out": "$.price"}}
    """), parents: [], new CommitMetadata("Create the orders series.", Origin: "seed"));

// Enqueue only: the worker claims the issue, runs the enhance flow, commits a new version of "orders" and writes the
// outcome to the enhance log.
var enqueued = await issues.HandleAsync(new IssueDraft
{
    BlueprintId = orders,
    Intent = "Hand the orders flow over to team-b.",
    Patch = JsonDocument.Parse("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""").RootElement,
});

using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
await issues.WaitUntilIdleAsync(timeout.Token);    // until no issue is pending or running

var issue = await host.Services.GetRequiredService<IIssueStore>().GetAsync(enqueued.Issue.Id);
var head = await blueprints.ReadHeadAsync(orders);
Console.WriteLine($"Issue {issue.Id}: {issue.Status.State}; orders is now version {head.Value.VersionLabel} ({head.Trace.Version}).");
await host.StopAsync();
return issue.Status.State == IssueState.Applied ? 0 : 1;
// endsnippet
