using IssueCore.Enhance;

namespace IssueCore.Adapters.Sqlite;

/// <summary>Finishes dispatches in one transaction over the SQLite issue store, Blueprint store and enhance log of one database.</summary>
internal sealed class SqliteDispatchFinalizer(SqliteIssueStore issues, SqliteBlueprintStore blueprints) : IDispatchFinalizer
{
    public Task<DispatchFinalized> FinalizeAsync(DispatchFinalization finalization, CancellationToken cancellationToken = default)
        => issues.FinalizeAsync(finalization, blueprints, cancellationToken);
}
