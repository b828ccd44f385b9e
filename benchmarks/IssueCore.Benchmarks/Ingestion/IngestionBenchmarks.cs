using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using IssueCore.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Benchmarks.Ingestion;

/// <summary>
/// The cost of ingesting the seed request body in process: strict parse, validation, resolution and
/// the store's idempotent create (a duplicate, so the store does not grow), against the floor of
/// just parsing the same bytes into a JsonDocument.
/// </summary>
[MemoryDiagnoser]
public class IngestionBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"title":"Run SBOM rescan for activity-core","description":"","target_repo":"activity-core","priority":"medium","labels":["sbom","security","automated"],"due_in_days":null,"source_type":"rule","source_id":"flag-stale-sbom","triggering_event_id":"event-or-schedule-key","activity_definition_id":"activity-definition-uuid"}""");

    private ServiceProvider _provider = null!;
    private IIssueIngestionService _ingestion = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _provider = new ServiceCollection().AddIssueCoreIngestion(o => o.RequireExistingSeries = false).UseInMemory().BuildServiceProvider();
        _ingestion = _provider.GetRequiredService<IIssueIngestionService>();
        await _ingestion.IngestJsonAsync(Body);
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark(Baseline = true)]
    public int ParseOnly()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.GetPropertyCount();
    }

    [Benchmark]
    public async Task<bool> IngestDuplicate() => (await _ingestion.IngestJsonAsync(Body)).Created;
}
