using IssueCore.Enhance;
using IssueCore.Testing;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

public sealed class InMemoryEnhanceSettingStoreConformanceTests : EnhanceSettingStoreConformanceTests
{
    protected override Task<IEnhanceSettingStore> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult<IEnhanceSettingStore>(new InMemoryEnhanceSettingStore(timeProvider));
}
