using IssueCore.Council;
using IssueCore.Testing;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

public sealed class InMemoryCouncilRepositoryConformanceTests : CouncilRepositoryConformanceTests
{
    [Fact]
    public void The_kit_sees_that_the_optional_members_are_implemented()
        => Assert.True(SupportsAbandonedRunDetection);

    protected override Task<ICouncilRepository> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult<ICouncilRepository>(new InMemoryCouncilRepository(timeProvider));
}
