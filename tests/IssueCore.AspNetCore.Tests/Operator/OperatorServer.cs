using System.Net.Http.Headers;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.AspNetCore.Tests.Operator;

/// <summary>A loopback server with the ingestion and operator APIs over in-memory stores, and helpers to seed them.</summary>
internal sealed class OperatorServer : IAsyncDisposable
{
    public const string ReadKey = IssueCoreServer.ApiKey;
    public const string OperatorKey = "operator-key-0123456789-abcdefghijklmnop";
    public static readonly BlueprintId Orders = BlueprintId.Parse("orders");
    public static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private readonly IssueCoreServer _server;

    private OperatorServer(IssueCoreServer server) => _server = server;

    public HttpClient Client => _server.Client;

    public IServiceProvider Services => _server.Services;

    public IIssueStore Issues => Services.GetRequiredService<IIssueStore>();

    public IBlueprintStore Blueprints => Services.GetRequiredService<IBlueprintStore>();

    public IEnhanceLogStore Log => Services.GetRequiredService<IEnhanceLogStore>();

    public ICouncilRepository Runs => Services.GetRequiredService<ICouncilRepository>();

    public EnhanceApplication App => Services.GetRequiredService<EnhanceApplication>();

    public static Blueprint OrdersV1 { get; } = Blueprint.Parse("""
        {"id":"orders","metadata":{"version_label":"1.0.0","owner":"team-a"},
         "agents":[{"name":"price","kind":"lua","spec":{"fn_id":"orders.price"}}],
         "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
        """);

    public static async Task<OperatorServer> StartAsync(Action<IServiceCollection>? services = null, Action<IssueCoreOperatorApiOptions>? options = null)
    {
        var server = await IssueCoreServer.StartAsync(
            s =>
            {
                s.AddIssueCore(o => o.Security.SigningKey = SigningKey).UseInMemory();
                s.AddIssueCoreIngestion();
                services?.Invoke(s);
            },
            app =>
            {
                app.MapIssueCore(o => o.ApiKey = ReadKey);
                app.MapIssueCoreOperatorApi(options ?? (o =>
                {
                    o.ApiKey = ReadKey;
                    o.OperatorApiKeys.Add(OperatorKey);
                    o.EventStreamPollInterval = TimeSpan.FromMilliseconds(50);
                }));
            });
        return new OperatorServer(server);
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? key = ReadKey, string? accept = null)
    {
        var message = new HttpRequestMessage(method, path.TrimStart('/'));
        if (key is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (accept is not null)
        {
            message.Headers.Accept.ParseAdd(accept);
        }

        if (method == HttpMethod.Post)
        {
            message.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        return message;
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string? key = ReadKey)
    {
        var response = await Client.SendAsync(Request(method, path, key));
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response, document.RootElement.Clone());
    }

    public Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path, string? key = ReadKey) => SendAsync(HttpMethod.Get, path, key);

    /// <summary>Writes the first version of orders and two more, each made by an issue; returns the three versions, oldest first.</summary>
    public async Task<BlueprintVersion[]> SeedOrdersAsync()
    {
        var v1 = await Blueprints.WriteNewAsync(Orders, OrdersV1, [], new CommitMetadata("seed", Origin: "seed"));
        var v2 = await Blueprints.WriteNewAsync(Orders, With(OrdersV1, "team-b", "1.0.1"), [v1.Value.Version], new CommitMetadata("owner b", IssueId: IssueId.Parse("issue:b"), Origin: "issue"));
        var v3 = await Blueprints.WriteNewAsync(Orders, With(OrdersV1, "team-c", "1.0.2"), [v2.Value.Version], new CommitMetadata("owner c", IssueId: IssueId.Parse("issue:c"), Origin: "issue"));
        return [v1.Value.Version, v2.Value.Version, v3.Value.Version];
    }

    public static Blueprint With(Blueprint blueprint, string owner, string label)
    {
        var node = blueprint.ToJsonObject();
        node["metadata"]!["owner"] = owner;
        node["metadata"]!["version_label"] = label;
        return Blueprint.Parse(node.ToJsonString());
    }

    /// <summary>Creates an issue and dead-letters it (one claim, then failed).</summary>
    public async Task<IssueId> DeadLetterAsync(string patch = """[{"op":"replace","path":"/metadata/owner","value":"team-z"}]""")
    {
        var created = await Issues.CreateAsync(new IssueDraft { BlueprintId = Orders, Intent = "change owner", Patch = JsonDocument.Parse(patch).RootElement.Clone() });
        var claimed = await Issues.ClaimNextAsync("test", TimeSpan.FromMinutes(5));
        Assert.Equal(created.Issue.Id, claimed?.Id);
        await Issues.CompleteUnderLeaseAsync(IssueLease.Of(claimed!), IssueStatus.Failed("store down"));
        return created.Issue.Id;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
