using IssueCore.Council;
using IssueCore.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Conformance;

public sealed class PostgresCouncilRepositoryConformanceTests : CouncilRepositoryConformanceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ICouncilRepository> CreateStoreAsync(TimeProvider timeProvider)
        => new PostgresCouncilRepository(await _schema.CreateDatabaseAsync(timeProvider));

    protected override async Task DisposeStoreAsync(ICouncilRepository store) => await _schema.DisposeAsync();
}
