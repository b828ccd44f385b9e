namespace IssueCore.Adapters.Sqlite;

/// <summary>One forward-only schema step, embedded as <c>Schema/NNNN_name.sql</c>.</summary>
/// <param name="Version">The <c>PRAGMA user_version</c> the file has after this step.</param>
/// <param name="Name">The resource file name.</param>
/// <param name="Sql">The statements.</param>
internal sealed record SqliteMigration(int Version, string Name, string Sql);
