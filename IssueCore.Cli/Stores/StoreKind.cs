namespace IssueCore.Cli.Stores;

/// <summary>Which adapter a store is opened with.</summary>
internal enum StoreKind
{
    Sqlite,
    Postgres,
}
