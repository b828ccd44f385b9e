namespace IssueCore.Throughput;

/// <summary>The figures of one measured run (one adapter, one issue count), as the child process reports them.</summary>
internal sealed record RunResult(
    string Adapter,
    int Issues,
    double IngestPerSecond,
    double DispatchPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    int Applied,
    int NotApplied,
    double BaselinePerSecond,
    int BaselineIssues,
    long PeakWorkingSetBytes,
    long HeapAtTenPercentBytes,
    long HeapAtEndBytes)
{
    /// <summary>Managed heap growth per dispatched issue over the last 90% of the run.</summary>
    public double HeapGrowthPerIssueBytes => (HeapAtEndBytes - HeapAtTenPercentBytes) / (Issues * 0.9);
}
