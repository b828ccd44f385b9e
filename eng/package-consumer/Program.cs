// Dispatches one issue end to end through the packaged engine, once on SQLite and once in memory, and
// exits non-zero unless the issue is applied, the new version is the head and the enhance log has its entry.
using System.Security.Cryptography;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

var directory = Directory.CreateTempSubdirectory("issuecore-consumer-");
try
{
    var failures = 0;
    failures += await DispatchOneAsync("sqlite", s => s.UseSqlite($"Data Source={Path.Combine(directory.FullName, "consumer.db")}"));
    failures += await DispatchOneAsync("in-memory", s => s.UseInMemory());
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
