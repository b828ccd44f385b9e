namespace IssueCore.Adapters.Postgres;

/// <summary>Which clock judges and sets issue leases on PostgreSQL.</summary>
public enum PostgresLeaseClock
{
    /// <summary>
    /// The database server's clock (<c>clock_timestamp()</c>): hosts whose clocks disagree still agree on whether a
    /// lease is live, so a host whose clock runs ahead cannot claim a running issue. The default.
    /// </summary>
    Database = 0,

    /// <summary>
    /// The host's <see cref="System.TimeProvider"/>: every host must keep its clock within a small fraction of the
    /// lease of the others. Meant for tests that drive time with a fake clock.
    /// </summary>
    TimeProvider = 1,
}
