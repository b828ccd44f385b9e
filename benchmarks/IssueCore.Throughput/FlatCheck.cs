using System.Globalization;

namespace IssueCore.Throughput;

/// <summary>
/// Decides whether memory stays flat as the issue count grows. SQLite keeps its data on disk, so the process must
/// not grow with the count: the peak working set of the largest run may exceed the smallest run's by at most 25%
/// plus 32 MB (page cache and pools). The in-memory adapter holds every issue, version, log entry and run record by
/// design, so its memory grows with the data; flat there means the cost per issue does not grow with the count (no
/// leak, nothing quadratic): the heap growth per issue of the largest run is within 25% (plus 1 KB) of the smallest.
/// </summary>
internal static class FlatCheck
{
    public static (bool Flat, string Explanation) Judge(IReadOnlyList<RunResult> runs)
    {
        var small = runs.MinBy(r => r.Issues)!;
        var large = runs.MaxBy(r => r.Issues)!;
        if (small.Issues == large.Issues)
        {
            return (true, "one count only: nothing to compare");
        }

        if (small.Adapter == "in-memory")
        {
            var limit = (small.HeapGrowthPerIssueBytes * 1.25) + 1024;
            var ok = large.HeapGrowthPerIssueBytes <= limit;
            return (ok, string.Create(CultureInfo.InvariantCulture,
                $"heap growth per issue {small.HeapGrowthPerIssueBytes:N0} B at {small.Issues:N0} issues, {large.HeapGrowthPerIssueBytes:N0} B at {large.Issues:N0} (limit {limit:N0} B): {(ok ? "constant per issue (flat)" : "GROWS faster than the data")}"));
        }

        var wsLimit = (small.PeakWorkingSetBytes * 1.25) + (32L << 20);
        var flat = large.PeakWorkingSetBytes <= wsLimit;
        return (flat, string.Create(CultureInfo.InvariantCulture,
            $"peak working set {small.PeakWorkingSetBytes / 1048576.0:N0} MB at {small.Issues:N0} issues, {large.PeakWorkingSetBytes / 1048576.0:N0} MB at {large.Issues:N0} (limit {wsLimit / 1048576.0:N0} MB): {(flat ? "flat" : "NOT flat")}"));
    }
}
