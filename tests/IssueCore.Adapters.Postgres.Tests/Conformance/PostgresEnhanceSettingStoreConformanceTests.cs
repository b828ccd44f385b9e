using IssueCore.Enhance;
using IssueCore.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Conformance;

public sealed class PostgresEnhanceSettingStoreConformanceTests : EnhanceSettingStoreConformanceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<IEnhanceSettingStore> CreateStoreAsync(TimeProvider timeProvider)
        => new PostgresEnhanceSettingStore(await _schema.CreateDatabaseAsync(timeProvider));

    protected override async Task DisposeStoreAsync(IEnhanceSettingStore store) => await _schema.DisposeAsync();
}
