using IssueCore.Blueprints;
using IssueCore.Testing;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

public sealed class InMemoryBlueprintStoreConformanceTests : BlueprintStoreConformanceTests
{
    protected override Task<IBlueprintStore> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult<IBlueprintStore>(new InMemoryBlueprintStore(timeProvider));
}
