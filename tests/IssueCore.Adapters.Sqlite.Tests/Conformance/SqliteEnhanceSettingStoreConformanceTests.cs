using IssueCore.Enhance;
using IssueCore.Testing;

namespace IssueCore.Adapters.Sqlite.Tests.Conformance;

public sealed class SqliteEnhanceSettingStoreConformanceTests : EnhanceSettingStoreConformanceTests
{
    private readonly SqliteConformance _file = new();

    protected override async Task<IEnhanceSettingStore> CreateStoreAsync(TimeProvider timeProvider)
        => new SqliteEnhanceSettingStore(await _file.OpenAsync(timeProvider));

    protected override async Task DisposeStoreAsync(IEnhanceSettingStore store)
    {
        await base.DisposeStoreAsync(store);
        await _file.DisposeAsync();
    }
}
