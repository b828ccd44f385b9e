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
    public const string BackgroundCheckpoints = "issuecore.sqlite.background_checkpoints";
    public const string OperationTag = "issuecore.operation";
    public const string DataSourceTag = "issuecore.sqlite.data_source";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> Transactions { get; } = Meter.CreateCounter<long>(WriteTransactions, unit: "{transaction}", description: "Committed SQLite write transactions, by store operation.");

    public static Counter<long> Pages { get; } = Meter.CreateCounter<long>(PagesWritten, unit: "{page}", description: "Database pages SQLite wrote to the WAL at commit, by store operation.");

    public static Counter<long> Checkpoints { get; } = Meter.CreateCounter<long>(BackgroundCheckpoints, unit: "{checkpoint}", description: "WAL checkpoints the SQLite stores ran in the background, off the writers' path, by database file.");

    /// <summary>
    /// Records one committed transaction and returns the pages the connection wrote since the last call (the count is
    /// reset), or 0 when neither the instruments nor <paramref name="countPages"/> need them.
    /// </summary>
    public static int RecordCommit(Microsoft.Data.Sqlite.SqliteConnection connection, string operation, bool countPages)
    {
        if (!Transactions.Enabled && !Pages.Enabled && !countPages)
        {
            return 0;
        }

        var pages = SQLitePCL.raw.sqlite3_db_status(connection.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, out var current, out _, 1) == SQLitePCL.raw.SQLITE_OK
            ? current
            : 0;
        if (Transactions.Enabled || Pages.Enabled)
        {
            var tag = new KeyValuePair<string, object?>(OperationTag, operation);
            Transactions.Add(1, tag);
            Pages.Add(pages, tag);
        }

        return pages;
    }
}
