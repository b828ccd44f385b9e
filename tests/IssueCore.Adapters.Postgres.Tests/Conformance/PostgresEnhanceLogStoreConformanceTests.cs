using IssueCore.Enhance;
using IssueCore.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Conformance;

public sealed class PostgresEnhanceLogStoreConformanceTests : EnhanceLogStoreConformanceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<IEnhanceLogStore> CreateStoreAsync(TimeProvider timeProvider)
        => new PostgresEnhanceLogStore(await _schema.CreateDatabaseAsync(timeProvider));

    protected override async Task DisposeStoreAsync(IEnhanceLogStore store) => await _schema.DisposeAsync();
}
