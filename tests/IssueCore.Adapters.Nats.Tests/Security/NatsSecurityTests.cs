using IssueCore.Adapters.Nats.Ingestion;
using IssueCore.Adapters.Nats.Sinks;
using IssueCore.Client;
using IssueCore.Issues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IssueCore.Adapters.Nats.Tests.Security;

public sealed class NatsSecurityTests : IAsyncLifetime
{
    private readonly List<ServiceProvider> _sinks = [];

    private const string Token = "s3cret-token-for-tests";

    // The documented configuration (README, "NATS security"): the consumer's own user, and publishers
    // that may publish on the ingestion subjects only (and receive their acks).
    private const string Users = """
        authorization {
          users = [
            { user: "issuecore-ingest", password: "ingest-password" }
            { user: "publisher", password: "publisher-password",
              permissions: { publish: { allow: ["act.tasks.create.>"] }, subscribe: { allow: ["_INBOX.>"] } } }
          ]
        }
        """;

    [Fact]
    public async Task A_token_bound_from_configuration_connects_and_a_wrong_token_is_refused()
    {
        using var server = await SecuredNatsServer.StartAsync($"authorization {{ token: \"{Token}\" }}");
        using var host = ConsumerHost(server.Url, s => s.Token = Token);
        await host.StartAsync();

        var accepted = Sink(server.Url, ("Security:Token", Token));
        var reference = await EmitOnceReadyAsync(accepted, Request("token-ok"));
        var stored = await Eventually.ReachesAsync(
            () => host.Services.GetRequiredService<IIssueStore>().FindByIdempotencyKeyAsync("token-ok"),
            issue => issue is not null,
            "the issue published with the right token to be ingested");

        var refused = await Assert.ThrowsAsync<IssueSinkException>(() => Sink(server.Url, ("Security:Token", "wrong-token")).EmitAsync(Request("token-bad")));
        var anonymous = await Assert.ThrowsAsync<IssueSinkException>(() => Sink(server.Url).EmitAsync(Request("token-none")));

        Assert.True(reference.Created);
        Assert.NotNull(stored);
        Assert.Equal(1, refused.Attempts);
        Assert.Equal(1, anonymous.Attempts);
        Assert.Null(await host.Services.GetRequiredService<IIssueStore>().FindByIdempotencyKeyAsync("token-bad"));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_publisher_user_may_publish_only_on_the_ingestion_subjects_and_a_wrong_password_is_refused()
    {
        using var server = await SecuredNatsServer.StartAsync(Users);
        using var host = ConsumerHost(server.Url, s =>
        {
            s.Username = "issuecore-ingest";
            s.Password = "ingest-password";
        });
        await host.StartAsync();
        var store = host.Services.GetRequiredService<IIssueStore>();

        await EmitOnceReadyAsync(Sink(server.Url, ("Security:Username", "publisher"), ("Security:Password", "publisher-password")), Request("user-ok"));
        var stored = await Eventually.ReachesAsync(() => store.FindByIdempotencyKeyAsync("user-ok"), issue => issue is not null, "the publisher's issue to be ingested");

        var wrongPassword = await Assert.ThrowsAsync<IssueSinkException>(() =>
            Sink(server.Url, ("Security:Username", "publisher"), ("Security:Password", "not-the-password")).EmitAsync(Request("user-bad")));

        // The publisher cannot publish beside the ingestion subjects (here into the stream's other subjects).
        var outside = await Assert.ThrowsAsync<IssueSinkException>(() =>
            Sink(server.Url, ("Security:Username", "publisher"), ("Security:Password", "publisher-password"), ("SubjectPrefix", "act.tasks.update")).EmitAsync(Request("user-outside")));

        Assert.NotNull(stored);
        Assert.True(wrongPassword.IsTransient);
        Assert.True(outside.IsTransient);
        Assert.Null(await store.FindByIdempotencyKeyAsync("user-bad"));
        Assert.Null(await store.FindByIdempotencyKeyAsync("user-outside"));
        await host.StopAsync();
    }

    [Fact]
    public void Security_options_that_cannot_work_fail_validation_at_start()
    {
        var options = new NatsIngestionOptions();
        options.Security.Username = "only-a-user";
        options.Security.Token = "and-a-token";
        options.Security.TlsCaFile = "/nonexistent/ca.pem";
        options.Security.TlsCertFile = "/nonexistent/cert.pem";

        var failures = NatsIngestionOptionsValidator.Failures(options);

        Assert.Contains(failures, f => f.Contains("at most one", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Username and Security.Password must be set together", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TlsCertFile and Security.TlsKeyFile", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TlsCaFile '/nonexistent/ca.pem' does not exist", StringComparison.Ordinal));
    }

    private static IHost ConsumerHost(string url, Action<NatsSecurityOptions> security)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddIssueCoreNatsIngestion(o =>
        {
            o.Url = url;
            o.RetryDelay = TimeSpan.FromMilliseconds(100);
            o.StreamMaxAge = TimeSpan.FromHours(1);
            o.DeadLetterMaxAge = TimeSpan.FromHours(1);
            security(o.Security);
        }).UseInMemory();
        builder.Services.Configure<IssueCore.Ingestion.IssueIngestionOptions>(o => o.RequireExistingSeries = false);
        return builder.Build();
    }

    /// <summary>A sink registered as an application would, its options (security included) bound from configuration.</summary>
    private IIssueSink Sink(string url, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["IssueCore:Sink:Url"] = url,
            ["IssueCore:Sink:MaxAttempts"] = "1",
            ["IssueCore:Sink:AckTimeout"] = "00:00:02",
        };
        foreach (var (key, value) in settings)
        {
            values["IssueCore:Sink:" + key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddOptions<NatsIssueSinkOptions>().Bind(configuration.GetSection("IssueCore:Sink"));
        services.AddIssueCoreNatsIssueSink();
        var provider = services.BuildServiceProvider();
        _sinks.Add(provider);
        Assert.Equal(settings.FirstOrDefault(s => s.Key == "Security:Token").Value, provider.GetRequiredService<IOptions<NatsIssueSinkOptions>>().Value.Security.Token);
        return provider.GetRequiredService<IIssueSink>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var provider in _sinks)
        {
            await provider.DisposeAsync();
        }
    }

    /// <summary>Emits once the consumer has provisioned its stream (the hosted consumer does that after start).</summary>
    private static async Task<IssueReference> EmitOnceReadyAsync(IIssueSink sink, IssueSinkRequest request)
    {
        IssueSinkException? last = null;
        for (var attempt = 0; attempt < 30; attempt++)
        {
            try
            {
                return await sink.EmitAsync(request);
            }
            catch (IssueSinkException ex) when (ex.IsTransient)
            {
                last = ex;
            }
        }

        throw new Xunit.Sdk.XunitException($"The sink never got an ack: {last}");
    }

    private static IssueSinkRequest Request(string triggeringEventId) => new()
    {
        Title = "Rotate the scanner key",
        TargetRepo = "activity-core",
        Priority = IssuePriority.High,
        SourceType = IssueSourceType.Instruction,
        SourceId = "instr-1",
        TriggeringEventId = triggeringEventId,
        ActivityDefinitionId = "ad-1",
    };
}
