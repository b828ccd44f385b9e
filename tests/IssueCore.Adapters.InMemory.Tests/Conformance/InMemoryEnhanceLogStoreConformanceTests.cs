using IssueCore.Enhance;
using IssueCore.Testing;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

public sealed class InMemoryEnhanceLogStoreConformanceTests : EnhanceLogStoreConformanceTests
{
    protected override Task<IEnhanceLogStore> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult<IEnhanceLogStore>(new InMemoryEnhanceLogStore(timeProvider));
}
