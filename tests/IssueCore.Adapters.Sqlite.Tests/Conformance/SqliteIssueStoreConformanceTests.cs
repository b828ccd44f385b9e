using IssueCore.Issues;
using IssueCore.Testing;

namespace IssueCore.Adapters.Sqlite.Tests.Conformance;

public sealed class SqliteIssueStoreConformanceTests : IssueStoreConformanceTests
{
    private readonly SqliteConformance _file = new();

    protected override async Task<IIssueStore> CreateStoreAsync(TimeProvider timeProvider)
        => new SqliteIssueStore(await _file.OpenAsync(timeProvider));

    protected override async Task DisposeStoreAsync(IIssueStore store)
    {
        await base.DisposeStoreAsync(store);
        await _file.DisposeAsync();
    }
}
