using IssueCore.Testing;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

public sealed class InMemoryDispatchFinalizerConformanceTests : DispatchFinalizerConformanceTests
{
    protected override Task<DispatchStores> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult(new DispatchStores(new InMemoryIssueStore(timeProvider), new InMemoryBlueprintStore(timeProvider), new InMemoryEnhanceLogStore(timeProvider)) { Runs = new InMemoryCouncilRepository(timeProvider) });
}
