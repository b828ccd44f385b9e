using IssueCore.Council;
using IssueCore.Testing;

namespace IssueCore.Adapters.Sqlite.Tests.Conformance;

public sealed class SqliteCouncilRepositoryConformanceTests : CouncilRepositoryConformanceTests
{
    private readonly SqliteConformance _file = new();

    protected override async Task<ICouncilRepository> CreateStoreAsync(TimeProvider timeProvider)
        => new SqliteCouncilRepository(await _file.OpenAsync(timeProvider));

    protected override async Task DisposeStoreAsync(ICouncilRepository store)
    {
        await base.DisposeStoreAsync(store);
        await _file.DisposeAsync();
    }
}
