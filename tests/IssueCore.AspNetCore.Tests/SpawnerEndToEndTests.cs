using System.Net;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Enhance.Spawning;
using IssueCore.Issues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.AspNetCore.Tests;

/// <summary>An intent-only issue over HTTP, on a real SQLite file, through a registered patch spawner.</summary>
public sealed class SpawnerEndToEndTests : IDisposable
{
    private static readonly BlueprintId Target = BlueprintId.Parse("activity-core");

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("issuecore-spawner-e2e-");

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory.FullName, "issuecore.db") }.ToString();

    private Task<IssueCoreServer> StartAsync(Action<IServiceCollection> more, Action<IssueCore.Ingestion.IssueIngestionOptions>? ingestion = null)
        => IssueCoreServer.StartAsync(
            services =>
            {
                services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true).UseSqlite(ConnectionString);
                services.AddIssueCoreIngestion(ingestion);
                more(services);
            },
            app => app.MapIssueCore(o => o.ApiKey = IssueCoreServer.ApiKey));

    private static async Task SeedAsync(IssueCoreServer server)
    {
        await server.Services.GetRequiredService<EnhanceApplication>().InstallDefaultFlowAsync();
        await server.Services.GetRequiredService<IBlueprintStore>().WriteNewAsync(
            Target,
            Blueprint.Parse("""{"id":"activity-core","metadata":{"version_label":"1.0.0"},"agents":[],"flow":{"kind":"seq","children":[]}}"""),
            [],
            new CommitMetadata("seed", Origin: "seed"));
    }

    [Fact]
    public async Task Intent_only_issue_ingested_over_HTTP_reaches_Applied_through_a_registered_spawner_on_SQLite()
    {
        await using var server = await StartAsync(s => s.AddIssueCorePatchSpawner<RescanSpawner>());
        await SeedAsync(server);

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var issueId = IssueId.Parse(body.RootElement.GetProperty("issue_id").GetString()!);
        Assert.Null((await server.Store.GetAsync(issueId)).Patch);

        var outcome = await server.Services.GetRequiredService<EnhanceApplication>().TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        Assert.Equal(issueId, outcome.IssueId);
        Assert.Equal(IssueState.Applied, (await server.Store.GetAsync(issueId)).Status.State);
        var head = (await server.Services.GetRequiredService<IBlueprintStore>().ReadHeadAsync(Target)).Value;
        Assert.Equal(outcome.NewVersion, head.Version);
        Assert.Equal("Run SBOM rescan for activity-core", head.Root.GetProperty("metadata").GetProperty("last_request").GetString());
        var entry = await server.Services.GetRequiredService<IEnhanceLogStore>().FindAsync(issueId);
        Assert.Equal(EnhanceOutcome.Applied, entry!.Outcome);
        Assert.Equal("record the request", entry.Rationale);

        using var status = await server.Client.SendAsync(IssueCoreServer.Get("issues/" + issueId.Value));
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Contains("applied", await status.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Intent_only_issue_over_HTTP_without_a_spawner_is_refused_with_422_when_the_host_opts_in()
    {
        await using var server = await StartAsync(_ => { }, o =>
        {
            o.RefuseWithoutPatchOrSpawner = true;
            o.RequireExistingSeries = false; // only the missing patch is under test
        });

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));

        var problem = await IssueEndpointTests.AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("$.patch", error.GetProperty("path").GetString());
        Assert.StartsWith("no patch and no spawner configured", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await server.CountAsync());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    /// <summary>Records the issue's title in the Blueprint's metadata.</summary>
    private sealed class RescanSpawner : IPatchSpawner
    {
        public ValueTask<PatchProposal> ProposeAsync(PatchSpawnRequest request, CancellationToken cancellationToken = default)
        {
            using var ops = JsonDocument.Parse(JsonSerializer.Serialize(new[] { new { op = "add", path = "/metadata/last_request", value = request.Title } }));
            return ValueTask.FromResult(PatchProposal.Propose(ops.RootElement, "record the request"));
        }
    }
}
