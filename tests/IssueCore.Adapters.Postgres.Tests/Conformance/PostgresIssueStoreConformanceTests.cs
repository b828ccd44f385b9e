using IssueCore.Issues;
using IssueCore.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Conformance;

public sealed class PostgresIssueStoreConformanceTests : IssueStoreConformanceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<IIssueStore> CreateStoreAsync(TimeProvider timeProvider)
        => new PostgresIssueStore(await _schema.CreateDatabaseAsync(timeProvider));

    protected override async Task DisposeStoreAsync(IIssueStore store) => await _schema.DisposeAsync();
}
