// Dispatches one issue end to end through the packaged engine, once on SQLite and once in memory, and
// exits non-zero unless the issue is applied, the new version is the head and the enhance log has its entry.
// Then touches a public type of every other shipped package (no servers: the PostgreSQL and NATS packages
// only register and validate, the ASP.NET Core package only maps its endpoints), so a package that does
// not restore, compile against or load fails here too.
using System.Security.Cryptography;
using System.Text.Json;
using IssueCore.Adapters.Nats.Ingestion;
using IssueCore.Adapters.Nats.Sinks;
using IssueCore.Adapters.Postgres;
using IssueCore.AspNetCore;
using IssueCore.Blueprints;
using IssueCore.Client;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

var directory = Directory.CreateTempSubdirectory("issuecore-consumer-");
try
{
    var failures = 0;
    failures += await DispatchOneAsync("sqlite", s => s.UseSqlite($"Data Source={Path.Combine(directory.FullName, "consumer.db")}"));
    failures += await DispatchOneAsync("in-memory", s => s.UseInMemory());
    failures += await Check("IssueCore.Abstractions", typeof(BlueprintId), AbstractionsProblems);
    failures += await Check("IssueCore.Adapters.Postgres", typeof(PostgresStoreOptions), PostgresProblems);
    failures += await Check("IssueCore.Adapters.Nats", typeof(NatsIngestionOptions), NatsProblems);
    failures += await Check("IssueCore.AspNetCore", typeof(IssueCoreEndpointOptions), AspNetCoreProblemsAsync);
    failures += await Check("IssueCore.Client", typeof(IIssueSink), ClientProblemsAsync);
    failures += await Check("IssueCore.Testing", typeof(IssueStoreConformanceTests), TestingProblems);
    failures += await Check("IssueCore.AI", typeof(IssueCore.AI.ChatPatchSpawner), AIProblems);
    return failures == 0 ? 0 : 1;
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    directory.Delete(recursive: true);
}

static async Task<int> DispatchOneAsync(string name, Action<IServiceCollection> useStore)
{
    var services = new ServiceCollection();
    useStore(services.AddIssueCore(o => o.Security.SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
    await using var provider = services.BuildServiceProvider();
    var app = provider.GetRequiredService<EnhanceApplication>();
    var blueprints = provider.GetRequiredService<IBlueprintStore>();
    var log = provider.GetRequiredService<IEnhanceLogStore>();

    await app.InstallDefaultFlowAsync();
    var target = BlueprintId.Parse("orders");
    var seeded = await blueprints.WriteNewAsync(
        target,
        Blueprint.Parse("""
            {"id":"orders","metadata":{"version_label":"1.0.0","owner":"team-a"},
             "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 1}"}}],
             "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
            """),
        [],
        new CommitMetadata("First version.", Origin: "seed"));

    var created = await app.HandleAsync(new IssueDraft
    {
        BlueprintId = target,
        Intent = "Hand the orders flow over to team-b.",
        Patch = JsonDocument.Parse("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""").RootElement.Clone(),
    });
    var outcome = await app.TickAsync();
    var head = await blueprints.ReadHeadAsync(target);
    var entry = await log.FindAsync(created.Issue.Id);

    var problems = new List<string>();
    if (outcome?.Result != DispatchResult.Applied)
    {
        problems.Add($"outcome {outcome?.Result.ToString() ?? "none"} ({outcome?.Reason})");
    }

    if (head.Value.Version == seeded.Value.Version || outcome?.NewVersion != head.Value.Version)
    {
        problems.Add("the head did not move to the committed version");
    }

    if (head.Value.Root.GetProperty("metadata").GetProperty("owner").GetString() != "team-b")
    {
        problems.Add("the patch is not in the new head");
    }

    if (entry is null || entry.Outcome != EnhanceOutcome.Applied || entry.NewVersion != head.Value.Version)
    {
        problems.Add("the enhance log has no applied entry for the issue");
    }

    if (await app.TickAsync() is not null)
    {
        problems.Add("the queue is not empty after one dispatch");
    }

    if (problems.Count > 0)
    {
        await Console.Error.WriteLineAsync($"{name}: FAILED: {string.Join("; ", problems)}");
        return 1;
    }

    Console.WriteLine($"{name}: issue {created.Issue.Id} applied as {head.Value.Version}");
    return 0;
}

// Runs one package's checks; the touched type must come from the package's own assembly.
static async Task<int> Check(string package, Type touched, Func<List<string>, Task> check)
{
    var problems = new List<string>();
    if (touched.Assembly.GetName().Name != package)
    {
        problems.Add($"{touched.FullName} comes from {touched.Assembly.GetName().Name}, not {package}");
    }

    try
    {
        await check(problems);
    }
    catch (Exception ex)
    {
        problems.Add($"{ex.GetType().Name}: {ex.Message}");
    }

    if (problems.Count > 0)
    {
        await Console.Error.WriteLineAsync($"{package}: FAILED: {string.Join("; ", problems)}");
        return 1;
    }

    Console.WriteLine($"{package}: ok");
    return 0;
}

static Task AbstractionsProblems(List<string> problems)
{
    var blueprint = Blueprint.Parse("""{"id":"orders","agents":[],"flow":{"kind":"seq","children":[]}}""");
    if (BlueprintVersion.Of(blueprint) != BlueprintVersion.Of(Blueprint.Parse(blueprint.ToJsonObject().ToJsonString())))
    {
        problems.Add("a blueprint's content hash changed on a round trip");
    }

    if (BlueprintId.Parse("orders").ToString() != "orders")
    {
        problems.Add("a blueprint id does not read back");
    }

    return Task.CompletedTask;
}

static Task PostgresProblems(List<string> problems)
{
    // Options, the migration script and the registration only: nothing connects.
    var options = new PostgresStoreOptions { ConnectionString = "Host=127.0.0.1;Port=1;Database=consumer;Username=consumer" };
    options.Validate();
    if (!PostgresSchema.GetMigrationScript(options.Schema).Contains("CREATE", StringComparison.OrdinalIgnoreCase))
    {
        problems.Add("the migration script creates nothing");
    }

    var services = new ServiceCollection().UsePostgres(options.ConnectionString);
    if (!services.Any(d => d.ServiceType == typeof(IIssueStore)))
    {
        problems.Add("UsePostgres registered no issue store");
    }

    return Task.CompletedTask;
}

static Task NatsProblems(List<string> problems)
{
    // Registration and option validation only: no host is started, so nothing connects.
    var services = new ServiceCollection();
    services.AddIssueCoreNatsIngestion(o => o.Url = "nats://127.0.0.1:1").UseInMemory();
    services.AddIssueCoreNatsIssueSink(o => o.Url = "nats://127.0.0.1:1");
    using var provider = services.BuildServiceProvider();
    var ingestion = provider.GetRequiredService<IOptions<NatsIngestionOptions>>().Value;
    if (ingestion.StreamName != NatsIngestionOptions.DefaultStreamName || ingestion.Url != "nats://127.0.0.1:1")
    {
        problems.Add("the ingestion options do not read back");
    }

    var sink = provider.GetRequiredService<IOptions<NatsIssueSinkOptions>>().Value;
    if (sink.Url != "nats://127.0.0.1:1" || NatsIssueSink.BackendName != "nats")
    {
        problems.Add("the sink options do not read back");
    }

    return Task.CompletedTask;
}

static async Task AspNetCoreProblemsAsync(List<string> problems)
{
    // The endpoints are mapped and built, never served.
    var builder = WebApplication.CreateSlimBuilder();
    builder.Services.AddIssueCoreIngestion().UseInMemory();
    await using var app = builder.Build();
    app.MapIssueCore(o => o.ApiKey = "consumer-check-key-0123456789abcdefgh");
    var routes = ((IEndpointRouteBuilder)app).DataSources
        .SelectMany(source => source.Endpoints)
        .OfType<RouteEndpoint>()
        .Select(endpoint => endpoint.RoutePattern.RawText ?? string.Empty)
        .ToList();
    if (!routes.Any(route => route.StartsWith("/issues", StringComparison.Ordinal)))
    {
        problems.Add($"MapIssueCore mapped no /issues route ({string.Join(", ", routes)})");
    }
}

static async Task ClientProblemsAsync(List<string> problems)
{
    // The default (dry-run) sink: nothing leaves the process.
    var services = new ServiceCollection();
    // IssueCore.Client.Http: the registration returns the builder of the sink's named client.
    var client = services.AddIssueSink(o => o.Sink = IssueSinkKind.Null);
    if (client.Name != HttpIssueSink.HttpClientName)
    {
        problems.Add($"AddIssueSink returned the builder of '{client.Name}'");
    }

    await using var provider = services.BuildServiceProvider();
    var sink = provider.GetRequiredService<IIssueSink>();
    var reference = await sink.EmitAsync(new IssueSinkRequest
    {
        Title = "Rescan the SBOM",
        TargetRepo = "activity-core",
        SourceType = IssueSourceType.Rule,
        SourceId = "flag-stale-sbom",
        TriggeringEventId = "consumer-check-1",
        ActivityDefinitionId = "ad-1",
    });
    if (reference.Backend != "null" || !reference.Created || sink is not NullIssueSink { Emitted.Count: 1 })
    {
        problems.Add("the dry-run sink did not record the request");
    }
}

static Task TestingProblems(List<string> problems)
{
    // The conformance kit is referenced, not run: its suites must load with their xunit dependencies.
    if (!typeof(IssueStoreConformanceTests).IsAbstract || !typeof(Xunit.IAsyncLifetime).IsAssignableFrom(typeof(IssueStoreConformanceTests)))
    {
        problems.Add("IssueStoreConformanceTests is not an abstract xunit suite");
    }

    return Task.CompletedTask;
}

static Task AIProblems(List<string> problems)
{
    // Registered, not run (no model here): the spawner's options must be validated when resolved.
    var services = new ServiceCollection();
    services.AddIssueCore().UseInMemory();
    services.AddIssueCoreChatPatchSpawner(o => o.MaxAttempts = 0);
    using var provider = services.BuildServiceProvider();
    try
    {
        _ = provider.GetRequiredService<IOptions<IssueCore.AI.ChatPatchSpawnerOptions>>().Value;
        problems.Add("ChatPatchSpawnerOptions.MaxAttempts = 0 was accepted");
    }
    catch (OptionsValidationException)
    {
    }

    return Task.CompletedTask;
}
