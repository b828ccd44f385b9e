// snippet: conformance-in-memory
using IssueCore.Adapters.InMemory;
using IssueCore.Issues;
using IssueCore.Testing;

namespace MyAdapter.Tests;

// Every fact lives in the base class; the subclass only says how to get a fresh, empty store.
public sealed class InMemoryIssueStoreConformanceTests : IssueStoreConformanceTests
{
    protected override Task<IIssueStore> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult<IIssueStore>(new InMemoryIssueStore(timeProvider));
}
// endsnippet
