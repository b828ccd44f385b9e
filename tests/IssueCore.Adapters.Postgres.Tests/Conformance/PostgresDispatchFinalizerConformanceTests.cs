using IssueCore.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Conformance;

public sealed class PostgresDispatchFinalizerConformanceTests : DispatchFinalizerConformanceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<DispatchStores> CreateStoreAsync(TimeProvider timeProvider)
    {
        var database = await _schema.CreateDatabaseAsync(timeProvider);
        return new DispatchStores(new PostgresIssueStore(database), new PostgresBlueprintStore(database), new PostgresEnhanceLogStore(database)) { Runs = new PostgresCouncilRepository(database) };
    }

    protected override async Task DisposeStoreAsync(DispatchStores store) => await _schema.DisposeAsync();
}
