using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Samples.WebHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Dashboard.BrowserTests;

/// <summary>The WebHost sample as an operator runs it: Production, an API key, one SQLite file, Kestrel on 127.0.0.1.</summary>
internal sealed class SampleHost : IAsyncDisposable
{
    public const string ApiKey = "dashboard-test-key-0123456789abcdefgh";

    /// <summary>The key with the operator role: it reads and may requeue, archive and unarchive.</summary>
    public const string OperatorApiKey = "dashboard-operator-key-0123456789abcdef";

    private static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray());

    private readonly WebApplication _app;
    private readonly DirectoryInfo _directory;

    private SampleHost(WebApplication app, DirectoryInfo directory, Uri baseAddress)
    {
        _app = app;
        _directory = directory;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
        Http.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public static async Task<SampleHost> StartAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("issuecore-dashboard-");
        var app = WebHostApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            $"--ConnectionStrings:{WebHostApp.ConnectionStringName}=Data Source={Path.Combine(directory.FullName, "issuecore.db")}",
            "--Logging:LogLevel:Default=Warning",
            $"--IssueCore:ApiKey={ApiKey}",
            $"--IssueCore:OperatorApiKey={OperatorApiKey}",
            $"--IssueCore:SigningKey={SigningKey}",
            "--IssueCore:RequireExistingSeries=false", // the dead letter is an issue for a series published later
        ]);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new SampleHost(app, directory, new Uri(address + "/"));
    }

    /// <summary>Posts an ingestion request as the README's curl does and returns the issue id.</summary>
    public async Task<string> IngestAsync(string series, string eventId, string owner, CancellationToken cancellationToken)
    {
        var body = $$"""
            {"title":"Name the {{series}} owner","description":"Record who owns the {{series}} series.","target_repo":"{{series}}",
             "priority":"medium","source_type":"instruction","source_id":"dashboard-test","triggering_event_id":"{{eventId}}",
             "activity_definition_id":"docs-example","intent":"Record the owner of the {{series}} series.",
             "patch":[{"op":"replace","path":"/metadata/owner","value":"{{owner}}"}]}
            """;
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Http.PostAsync("issues/", content, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return json.RootElement.GetProperty("issue_id").GetString()!;
    }

    /// <summary>Creates the first version of a series, as a Blueprint author would publish it.</summary>
    public async Task CreateSeriesAsync(string series, CancellationToken cancellationToken)
    {
        var blueprint = Blueprint.Parse($$"""
            {
              "id": "{{series}}",
              "metadata": { "version_label": "1.0.0", "owner": "platform-team" },
              "agents": [ { "name": "greet", "kind": "lua", "spec": { "source": "return { ok = true, value = 'hello' }" } } ],
              "flow": { "kind": "seq", "children": [
                { "kind": "step", "ref": "greet", "in": { "op": "path", "at": "$" }, "out": "$.greeting" } ] }
            }
            """);
        await _app.Services.GetRequiredService<IBlueprintStore>()
            .WriteNewAsync(BlueprintId.Parse(series), blueprint, [], new CommitMetadata("First version.", Origin: "seed"), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the folder is under the temp directory.
        }
    }
}
