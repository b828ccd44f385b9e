using IssueCore.Enhance;

namespace IssueCore.Adapters.InMemory;

/// <summary>Finishes dispatches atomically over one in-memory issue store, Blueprint store and enhance log (and council repository, when given).</summary>
internal sealed class InMemoryDispatchFinalizer(InMemoryIssueStore issues, InMemoryBlueprintStore blueprints, InMemoryEnhanceLogStore log, InMemoryCouncilRepository? runs) : IDispatchFinalizer
{
    public Task<DispatchFinalized> FinalizeAsync(DispatchFinalization finalization, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(issues.Finalize(finalization, blueprints, log, runs));
    }
}
