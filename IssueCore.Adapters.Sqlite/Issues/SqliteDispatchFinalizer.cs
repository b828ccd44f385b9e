using IssueCore.Enhance;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// Finishes dispatches in one transaction over the SQLite issue store, Blueprint store and enhance log of one database,
/// and the council repository when it has one (then the dispatch's run goes into the same transaction).
/// </summary>
internal sealed class SqliteDispatchFinalizer(SqliteIssueStore issues, SqliteBlueprintStore blueprints, SqliteCouncilRepository? runs) : IDispatchFinalizer
{
    public Task<DispatchFinalized> FinalizeAsync(DispatchFinalization finalization, CancellationToken cancellationToken = default)
        => issues.FinalizeAsync(finalization, blueprints, runs, cancellationToken);
}
