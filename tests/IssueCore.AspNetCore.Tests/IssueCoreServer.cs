using System.Net.Http.Headers;
using System.Text;
using IssueCore.AspNetCore;
using IssueCore.Ingestion;
using IssueCore.Issues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IssueCore.AspNetCore.Tests;

/// <summary>A real Kestrel server on 127.0.0.1 with an ephemeral port.</summary>
internal sealed class IssueCoreServer : IAsyncDisposable
{
    public const string ApiKey = "test-key-0123456789-abcdefghijklmnop";

    public const string ValidJson = """
        {"title":"Run SBOM rescan for activity-core","description":"","target_repo":"activity-core","priority":"medium",
         "labels":["sbom","security","automated"],"due_in_days":null,"source_type":"rule","source_id":"flag-stale-sbom",
         "triggering_event_id":"event-or-schedule-key","activity_definition_id":"activity-definition-uuid"}
        """;

    private readonly WebApplication _app;

    private IssueCoreServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public IIssueStore Store => _app.Services.GetRequiredService<IIssueStore>();

    public static Task<IssueCoreServer> StartAsync(
        Action<IssueCoreEndpointOptions>? endpoint = null,
        Action<IssueIngestionOptions>? ingestion = null,
        IDictionary<string, string?>? configuration = null)
        => StartAsync(
            services => services.AddIssueCoreIngestion(o =>
            {
                o.RequireExistingSeries = false; // most tests are about the request, not the series
                ingestion?.Invoke(o);
            }).UseInMemory(),
            app => app.MapIssueCore(endpoint ?? (o => o.ApiKey = ApiKey)),
            configuration);

    /// <summary>Starts any app on a fresh loopback port (also used for scripted, failing endpoints).</summary>
    public static async Task<IssueCoreServer> StartAsync(
        Action<IServiceCollection> services,
        Action<WebApplication> map,
        IDictionary<string, string?>? configuration = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        services(builder.Services);
        var app = builder.Build();
        try
        {
            app.Urls.Add("http://127.0.0.1:0");
            map(app);
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new IssueCoreServer(app, new Uri(address + "/"));
    }

    public static Task<IssueCoreServer> StartScriptedAsync(RequestDelegate handler)
        => StartAsync(_ => { }, app => app.MapPost("/issues/", handler));

    public static HttpRequestMessage Post(string json, string? key = ApiKey, string contentType = "application/json")
        => Post(Encoding.UTF8.GetBytes(json), key, contentType);

    public static HttpRequestMessage Post(byte[] body, string? key = ApiKey, string contentType = "application/json")
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "issues/") { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (key is not null)
        {
            message.Headers.Add("X-API-Key", key);
        }

        return message;
    }

    public static HttpRequestMessage Get(string path, string? key = ApiKey)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return message;
    }

    public async Task<int> CountAsync()
        => (await Store.ListAsync(new IssueQuery { Limit = 1000 })).Items.Count;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
