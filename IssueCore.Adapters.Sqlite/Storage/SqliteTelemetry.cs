using System.Diagnostics.Metrics;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// What the SQLite stores write, on the library's <c>IssueCore</c> meter: one <c>issuecore.sqlite.write_transactions</c>
/// per committed write transaction and <c>issuecore.sqlite.pages_written</c> for the database pages it sent to the WAL
/// (SQLite's own per-connection count), both tagged with the store operation, so a host can see where its disk bytes go.
/// </summary>
internal static class SqliteTelemetry
{
    public const string MeterName = "IssueCore";
    public const string WriteTransactions = "issuecore.sqlite.write_transactions";
    public const string PagesWritten = "issuecore.sqlite.pages_written";
    public const string OperationTag = "issuecore.operation";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> Transactions { get; } = Meter.CreateCounter<long>(WriteTransactions, unit: "{transaction}", description: "Committed SQLite write transactions, by store operation.");

    public static Counter<long> Pages { get; } = Meter.CreateCounter<long>(PagesWritten, unit: "{page}", description: "Database pages SQLite wrote to the WAL at commit, by store operation.");

    /// <summary>Records one committed transaction and the pages the connection wrote since the last call (the count is reset).</summary>
    public static void RecordCommit(Microsoft.Data.Sqlite.SqliteConnection connection, string operation)
    {
        if (!Transactions.Enabled && !Pages.Enabled)
        {
            return;
        }

        var tag = new KeyValuePair<string, object?>(OperationTag, operation);
        Transactions.Add(1, tag);
        if (SQLitePCL.raw.sqlite3_db_status(connection.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, out var pages, out _, 1) == SQLitePCL.raw.SQLITE_OK)
        {
            Pages.Add(pages, tag);
        }
    }
}
