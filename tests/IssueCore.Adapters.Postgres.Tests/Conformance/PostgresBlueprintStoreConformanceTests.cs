using IssueCore.Blueprints;
using IssueCore.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Conformance;

public sealed class PostgresBlueprintStoreConformanceTests : BlueprintStoreConformanceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<IBlueprintStore> CreateStoreAsync(TimeProvider timeProvider)
        => new PostgresBlueprintStore(await _schema.CreateDatabaseAsync(timeProvider));

    protected override async Task DisposeStoreAsync(IBlueprintStore store) => await _schema.DisposeAsync();
}
