using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Enhance.Governance;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class VerdictCollectorTests
{
    private static readonly RecordedVerdict Pass = new(new VerdictSummary("des", VerdictStatus.Pass, "ok"), null, null);

    [Fact]
    public void A_collector_keeps_at_most_its_capacity_and_says_it_overflowed()
    {
        using var provider = new ServiceCollection().BuildServiceProvider();
        var host = new VerifierHost(provider);
        var runId = CouncilRunId.New();
        using var collector = host.Open(runId);

        for (var i = 0; i <= VerdictCollector.Capacity; i++)
        {
            host.Record(runId, Pass);
        }

        Assert.True(collector.Overflowed);
        Assert.Equal(VerdictCollector.Capacity, collector.Snapshot().Count);
    }

    [Fact]
    public void Verdicts_of_a_run_nobody_collects_are_dropped_and_a_closed_collector_records_nothing_more()
    {
        using var provider = new ServiceCollection().BuildServiceProvider();
        var host = new VerifierHost(provider);
        var runId = CouncilRunId.New();
        host.Record(runId, Pass);
        var collector = host.Open(runId);
        host.Record(CouncilRunId.New(), Pass);
        host.Record(runId, Pass);

        collector.Dispose();
        host.Record(runId, Pass);

        Assert.Single(collector.Snapshot());
        Assert.False(collector.Overflowed);
        using var reopened = host.Open(runId);
        Assert.Empty(reopened.Snapshot());
    }
}
