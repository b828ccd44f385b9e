using IssueCore.Enhance;

namespace IssueCore.Adapters.Postgres;

/// <summary>
/// Finishes dispatches in one transaction over the PostgreSQL issue store, Blueprint store and enhance log of one
/// database, and the council repository when it has one (then the dispatch's run goes into the same transaction).
/// </summary>
internal sealed class PostgresDispatchFinalizer(PostgresIssueStore issues, PostgresBlueprintStore blueprints, PostgresEnhanceLogStore log, PostgresCouncilRepository? runs) : IDispatchFinalizer
{
    public Task<DispatchFinalized> FinalizeAsync(DispatchFinalization finalization, CancellationToken cancellationToken = default)
        => issues.FinalizeAsync(finalization, blueprints, log, runs, cancellationToken);
}
