using IssueCore.Enhance;
using IssueCore.Testing;

namespace IssueCore.Adapters.Sqlite.Tests.Conformance;

public sealed class SqliteEnhanceLogStoreConformanceTests : EnhanceLogStoreConformanceTests
{
    private readonly SqliteConformance _file = new();

    protected override async Task<IEnhanceLogStore> CreateStoreAsync(TimeProvider timeProvider)
        => new SqliteEnhanceLogStore(await _file.OpenAsync(timeProvider));

    protected override async Task DisposeStoreAsync(IEnhanceLogStore store)
    {
        await base.DisposeStoreAsync(store);
        await _file.DisposeAsync();
    }
}
