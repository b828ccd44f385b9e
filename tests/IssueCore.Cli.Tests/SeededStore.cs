using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Cli.Tests;

/// <summary>A real SQLite store written through the library: the built-in flow, the orders series, one applied and one rejected issue.</summary>
internal static class SeededStore
{
    public static readonly string Docs = Path.Combine(AppContext.BaseDirectory, "docs");

    public static string Example(string name) => Path.Combine(Docs, "examples", name);

    public static ServiceProvider Open(string file)
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true)
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = file }.ToString());
        return services.BuildServiceProvider();
    }

    /// <returns>The applied and the rejected issue.</returns>
    public static async Task<(IssueId Applied, IssueId Rejected)> CreateAsync(string file)
    {
        await using var provider = Open(file);
        var app = provider.GetRequiredService<EnhanceApplication>();
        await app.InstallDefaultFlowAsync();
        var blueprints = provider.GetRequiredService<IBlueprintStore>();
        var orders = Blueprint.Parse(await File.ReadAllTextAsync(Example("orders.blueprint.json")));
        await blueprints.WriteNewAsync(BlueprintId.Parse("orders"), orders, [], new CommitMetadata("seed", Origin: "seed"));
        var applied = await EnqueueAsync(app, "owner.patch.json", "hand the series to team b");
        await DrainAsync(app);
        var rejected = await EnqueueAsync(app, "bad-label.patch.json", "a label that is not semver");
        await DrainAsync(app);
        return (applied, rejected);
    }

    /// <summary>Turns approval on in the setting, enqueues an owner change and dispatches it: the issue waits for approval.</summary>
    public static async Task<IssueId> ParkForApprovalAsync(string file, string owner)
    {
        await using var provider = Open(file);
        var app = provider.GetRequiredService<EnhanceApplication>();
        var settings = provider.GetRequiredService<IEnhanceSettingStore>();
        await settings.PutAsync(EnhanceSettingId.Default, (await settings.GetAsync(EnhanceSettingId.Default)) with { RequireApproval = true });
        using var doc = JsonDocument.Parse($$"""[{"op":"replace","path":"/metadata/owner","value":"{{owner}}"}]""");
        var created = await app.HandleAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = "owner " + owner, Patch = doc.RootElement.Clone() });
        var outcome = await app.TickAsync();
        Assert.Equal(DispatchResult.AwaitingApproval, outcome?.Result);
        return created.Issue.Id;
    }

    public static async Task<int> CountVersionsAsync(string file, string id = "orders")
    {
        await using var provider = Open(file);
        return (await provider.GetRequiredService<IBlueprintStore>().HistoryAsync(BlueprintId.Parse(id), 1000)).Count;
    }

    public static async Task<int> CountIssuesAsync(string file)
    {
        await using var provider = Open(file);
        return (await provider.GetRequiredService<IIssueStore>().ListAsync(new IssueQuery { Limit = 1000 })).Items.Count;
    }

    private static async Task<IssueId> EnqueueAsync(EnhanceApplication app, string patch, string intent)
    {
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Example(patch)));
        var created = await app.HandleAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = intent, Patch = doc.RootElement.Clone() });
        return created.Issue.Id;
    }

    private static async Task DrainAsync(EnhanceApplication app)
    {
        for (var i = 0; i < 10 && await app.TickAsync() is not null; i++)
        {
        }
    }
}
