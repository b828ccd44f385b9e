using IssueCore.Testing;

namespace IssueCore.Adapters.Sqlite.Tests.Conformance;

public sealed class SqliteDispatchFinalizerConformanceTests : DispatchFinalizerConformanceTests
{
    private readonly SqliteConformance _file = new();

    protected override async Task<DispatchStores> CreateStoreAsync(TimeProvider timeProvider)
    {
        var database = await _file.OpenAsync(timeProvider);
        return new DispatchStores(new SqliteIssueStore(database), new SqliteBlueprintStore(database), new SqliteEnhanceLogStore(database)) { Runs = new SqliteCouncilRepository(database) };
    }

    protected override async Task DisposeStoreAsync(DispatchStores store) => await _file.DisposeAsync();
}
