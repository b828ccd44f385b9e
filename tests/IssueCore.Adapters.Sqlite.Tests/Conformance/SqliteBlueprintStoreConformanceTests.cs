using IssueCore.Blueprints;
using IssueCore.Testing;

namespace IssueCore.Adapters.Sqlite.Tests.Conformance;

public sealed class SqliteBlueprintStoreConformanceTests : BlueprintStoreConformanceTests
{
    private readonly SqliteConformance _file = new();

    protected override async Task<IBlueprintStore> CreateStoreAsync(TimeProvider timeProvider)
        => new SqliteBlueprintStore(await _file.OpenAsync(timeProvider));

    protected override async Task DisposeStoreAsync(IBlueprintStore store)
    {
        await base.DisposeStoreAsync(store);
        await _file.DisposeAsync();
    }
}
