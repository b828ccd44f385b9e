using IssueCore.Council;
using IssueCore.Testing;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

public sealed class InMemoryCouncilRepositoryConformanceTests : CouncilRepositoryConformanceTests
{
    protected override Task<ICouncilRepository> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult<ICouncilRepository>(new InMemoryCouncilRepository(timeProvider));
}
