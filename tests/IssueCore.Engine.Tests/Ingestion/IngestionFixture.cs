using System.Text;
using IssueCore.Ingestion;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Engine.Tests.Ingestion;

/// <summary>A fresh container with ingestion over the in-memory store and a fake clock.</summary>
internal sealed class IngestionFixture : IDisposable
{
    public const string ValidJson = """
        {"title":"Run SBOM rescan for activity-core","description":"","target_repo":"activity-core","priority":"medium",
         "labels":["sbom","security","automated"],"due_in_days":null,"source_type":"rule","source_id":"flag-stale-sbom",
         "triggering_event_id":"event-or-schedule-key","activity_definition_id":"activity-definition-uuid"}
        """;

    private readonly ServiceProvider _provider;

    public IngestionFixture(Action<IServiceCollection>? before = null, Action<IssueIngestionOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        before?.Invoke(services);
        services.AddIssueCoreIngestion(o =>
        {
            o.RequireExistingSeries = false; // these tests are about the request, not the series
            configure?.Invoke(o);
        }).UseInMemory();
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public IServiceProvider Services => _provider;

    public IIssueIngestionService Ingestion => _provider.GetRequiredService<IIssueIngestionService>();

    public IIssueStore Store => _provider.GetRequiredService<IIssueStore>();

    public static ReadOnlyMemory<byte> Utf8(string json) => Encoding.UTF8.GetBytes(json);

    public static IngestionRequest ValidRequest(string triggeringEventId = "event-1") => new()
    {
        Title = "Bump the SBOM scanner",
        Description = "The scanner is stale.",
        TargetRepo = "activity-core",
        Priority = IssuePriority.High,
        Labels = ["sbom"],
        DueInDays = 7,
        SourceType = IssueSourceType.Rule,
        SourceId = "flag-stale-sbom",
        TriggeringEventId = triggeringEventId,
        ActivityDefinitionId = "ad-1",
    };

    public async Task<int> CountAsync()
        => (await Store.ListAsync(new IssueQuery { Limit = 1000 })).Items.Count;

    public void Dispose() => _provider.Dispose();
}
