namespace IssueCore.Throughput;

/// <summary>The figures of one measured run (one adapter, one issue count, one dispatcher and series layout), as the child process reports them.</summary>
internal sealed record RunResult(
    string Adapter,
    int Issues,
    int Dispatchers,
    int Series,
    double IngestPerSecond,
    double DispatchPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    int Applied,
    int NotApplied,
    long Retries,
    double BaselinePerSecond,
    int BaselineIssues,
    long PeakWorkingSetBytes,
    long HeapAtTenPercentBytes,
    long HeapAtEndBytes,
    long DiskWriteBytes,
    long WriteCallBytes,
    int LatencySamples,
    double LatencyP50Milliseconds,
    double LatencyP99Milliseconds,
    long WriteTransactions = 0,
    long WalPages = 0,
    int PageSize = 0,
    long ServerWalBytes = 0,
    long StoreGrowthBytes = 0,
    double CpuMilliseconds = 0,
    long AllocatedBytes = 0,
    int Gen0Collections = 0,
    int Gen1Collections = 0,
    int Gen2Collections = 0,
    double P999Milliseconds = 0,
    double MaxMilliseconds = 0)
{
    /// <summary>Processor time (user and system, every thread of the process) the dispatch phase used per issue.</summary>
    public double CpuMillisecondsPerIssue => Issues == 0 ? 0 : CpuMilliseconds / Issues;

    /// <summary>Managed bytes allocated per issue over the dispatch phase.</summary>
    public double AllocatedBytesPerIssue => Issues == 0 ? 0 : AllocatedBytes / (double)Issues;

    /// <summary>PostgreSQL: bytes the table files (tables, indexes, TOAST) of the run's schema grew by, per issue.</summary>
    public double StoreGrowthPerIssue => Issues == 0 ? 0 : StoreGrowthBytes / (double)Issues;

    /// <summary>Committed SQLite write transactions per issue over the dispatch phase.</summary>
    public double WriteTransactionsPerIssue => Issues == 0 ? 0 : WriteTransactions / (double)Issues;

    /// <summary>Bytes SQLite wrote to the WAL per issue (pages plus frame headers) over the dispatch phase.</summary>
    /// <remarks>SQLite: the pages the stores committed (plus frame headers); PostgreSQL: the server's WAL position moved by.</remarks>
    public double WalBytesPerIssue => Issues == 0 ? 0 : PageSize > 0 ? WalPages * (PageSize + 24.0) / Issues : ServerWalBytes / (double)Issues;

    /// <summary>Managed heap growth per dispatched issue over the last 90% of the run.</summary>
    public double HeapGrowthPerIssueBytes => (HeapAtEndBytes - HeapAtTenPercentBytes) / (Issues * 0.9);

    /// <summary>Bytes the dispatch phase caused to be sent to the storage layer (<c>write_bytes</c>, WAL included), per issue.</summary>
    public double DiskBytesPerIssue => Issues == 0 ? 0 : DiskWriteBytes / (double)Issues;

    /// <summary>Bytes the dispatch phase passed to <c>write()</c> calls (<c>wchar</c>), per issue.</summary>
    public double WriteCallBytesPerIssue => Issues == 0 ? 0 : WriteCallBytes / (double)Issues;
}
