using IssueCore.Issues;
using IssueCore.Testing;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

public sealed class InMemoryIssueStoreConformanceTests : IssueStoreConformanceTests
{
    protected override Task<IIssueStore> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult<IIssueStore>(new InMemoryIssueStore(timeProvider));
}
