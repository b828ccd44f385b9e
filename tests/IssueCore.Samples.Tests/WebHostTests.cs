using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IssueCore.Samples.WebHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Tests;

public sealed class WebHostTests : IDisposable
{
    private const string ApiKey = "sample-test-key-0123456789abcdefgh";

    private static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("issuecore-webhost-");

    private string DatabasePath => Path.Combine(_directory.FullName, "issuecore.db");

    [Fact]
    public async Task Posted_issue_is_stored_in_the_sqlite_file_and_applied_to_the_demo_series_by_the_hosted_dispatcher()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        await using var app = WebHostApp.Build(Args("Production", $"--IssueCore:ApiKey={ApiKey}", $"--IssueCore:SigningKey={SigningKey}"));
        using var http = await StartAsync(app, ct);

        using var unauthorized = await http.SendAsync(Post(key: null), ct);
        using var created = await http.SendAsync(Post(ApiKey), ct);
        var issueId = (await ReadJsonAsync(created, ct)).GetProperty("issue_id").GetString();
        var issue = await WaitTerminalAsync(http, issueId!, ct);
        await app.StopAsync(ct);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("applied", issue.GetProperty("status").GetString());
        Assert.Equal("demo", issue.GetProperty("blueprint_id").GetString());
        Assert.True(File.Exists(DatabasePath));
    }

    [Fact]
    public void Outside_development_the_host_refuses_to_start_without_an_api_key()
    {
        // An empty value on the command line hides any ISSUE_CORE_API_KEY in the environment running the test.
        var args = Args("Production", $"--IssueCore:SigningKey={SigningKey}", "--ISSUE_CORE_API_KEY=");

        var error = Assert.Throws<InvalidOperationException>(() => WebHostApp.Build(args));

        Assert.Contains("ISSUE_CORE_API_KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_development_without_an_api_key_the_endpoints_serve_without_authentication()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        await using var app = WebHostApp.Build(Args("Development", "--ISSUE_CORE_API_KEY="));
        using var http = await StartAsync(app, ct);

        using var created = await http.SendAsync(Post(key: null), ct);
        await app.StopAsync(ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task An_operator_ingests_watches_diffs_and_reads_health_and_the_OpenAPI_document()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        await using var app = WebHostApp.Build(Args("Production", $"--IssueCore:ApiKey={ApiKey}", $"--IssueCore:SigningKey={SigningKey}"));
        using var http = await StartAsync(app, ct);

        using var created = await http.SendAsync(Post(ApiKey), ct);
        var issue = await WaitTerminalAsync(http, (await ReadJsonAsync(created, ct)).GetProperty("issue_id").GetString()!, ct);
        var history = await GetJsonAsync(http, "blueprints/demo/history", ct);
        var versions = history.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("version").GetString()).ToList();
        var diff = await GetJsonAsync(http, $"blueprints/demo/diff?from={versions[^1]}&to={versions[0]}", ct);
        using var health = await http.GetAsync("health", ct);
        var openApi = await GetJsonAsync(http, "openapi/v1.json", ct);
        await app.StopAsync(ct);

        Assert.Equal("applied", issue.GetProperty("status").GetString());
        Assert.Equal(issue.GetProperty("issue_id").GetString(), diff.GetProperty("to_commit").GetProperty("issue_id").GetString());
        Assert.Contains(diff.GetProperty("patch").EnumerateArray(), op => op.GetProperty("path").GetString() == "/metadata/owner");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/blueprints/{id}/diff", "/issues/{id}/requeue", "/runs/{id}/events", "/enhance-log" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-API-Key", ApiKey);
        using var response = await http.SendAsync(request, ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        return await ReadJsonAsync(response, ct);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private string[] Args(string environment, params string[] more) =>
    [
        "--urls=http://127.0.0.1:0",
        $"--environment={environment}",
        $"--ConnectionStrings:{WebHostApp.ConnectionStringName}=Data Source={DatabasePath}",
        "--Logging:LogLevel:Default=Warning",
        .. more,
    ];

    private static async Task<HttpClient> StartAsync(WebApplication app, CancellationToken ct)
    {
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new HttpClient { BaseAddress = new Uri(address + "/") };
    }

    private static HttpRequestMessage Post(string? key)
    {
        const string body = """
            {"title":"Name the demo owner","description":"Record who owns the demo series.","target_repo":"demo",
             "priority":"medium","source_type":"instruction","source_id":"readme","triggering_event_id":"evt-1",
             "activity_definition_id":"docs-example",
             "intent":"Record the owner of the demo series.",
             "patch":[{"op":"replace","path":"/metadata/owner","value":"docs-team"}]}
            """;
        var message = new HttpRequestMessage(HttpMethod.Post, "issues/") { Content = new StringContent(body, Encoding.UTF8) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (key is not null)
        {
            message.Headers.Add("X-API-Key", key);
        }

        return message;
    }

    /// <summary>Reads the issue until the dispatcher has finished with it (the timeout only bounds a broken run).</summary>
    private static async Task<JsonElement> WaitTerminalAsync(HttpClient http, string issueId, CancellationToken ct)
    {
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"issues/{issueId}");
            request.Headers.Add("X-API-Key", ApiKey);
            using var response = await http.SendAsync(request, ct);
            var issue = await ReadJsonAsync(response, ct);
            if (issue.GetProperty("status").GetString() is not ("pending" or "running"))
            {
                return issue;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, ct);
        }
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return document.RootElement.Clone();
    }
}
