using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Reliability.Tests.Support;

namespace IssueCore.Reliability.Tests;

/// <summary>
/// The run id of a dispatch on the stores that share one database: a buffered run's id is written with the outcome, in
/// the transaction that completes the issue, so a dispatch costs the claim and the finish and nothing in between.
/// </summary>
public sealed class DispatchRunIdTests
{
    private const string Applies = """[{"op":"add","path":"/metadata/traced","value":true}]""";
    private const string Rejected = """[{"op":"test","path":"/metadata/owner","value":"nobody"}]""";

    [Fact]
    public async Task A_buffered_dispatch_on_sqlite_commits_two_write_transactions_the_claim_and_the_finish()
    {
        await using var h = PipelineHarness.Sqlite();
        await h.InstallAsync();
        var series = await h.SeedSeriesAsync("tx", 1);
        var ids = new List<IssueId>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await h.EnqueueAsync(series[0], i == 3 ? Rejected : $$"""[{"op":"add","path":"/metadata/n{{i}}","value":{{i}}}]""", $"change {i}"));
        }

        var byOperation = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using (var listener = CountWriteTransactions(byOperation))
        {
            foreach (var id in ids)
            {
                var outcome = await h.App.TickAsync();
                Assert.Equal(id, outcome!.IssueId);
            }
        }

        // Before the run id went with the outcome, each dispatch committed a third transaction to record it at start.
        var seen = string.Join(", ", byOperation.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));
        Assert.True(byOperation.Values.Sum() == 2 * ids.Count, $"expected {2 * ids.Count} write transactions for {ids.Count} dispatches, saw {seen}");
        Assert.True(byOperation.TryGetValue("Finishing a dispatch", out var finishes) && finishes == ids.Count, seen);
        foreach (var id in ids)
        {
            await AssertRunIdRecordedAsync(h, id);
        }
    }

    [Fact]
    public async Task Applied_rejected_and_awaiting_approval_dispatches_leave_their_run_id_on_the_issue_on_sqlite()
    {
        await using var h = PipelineHarness.Sqlite();

        await OutcomesRecordTheirRunAsync(h);
    }

    [PostgresFact]
    public async Task Applied_rejected_and_awaiting_approval_dispatches_leave_their_run_id_on_the_issue_on_postgres()
    {
        await using var h = PipelineHarness.Postgres(PostgresFactAttribute.ConnectionString!);

        await OutcomesRecordTheirRunAsync(h);
    }

    private static async Task OutcomesRecordTheirRunAsync(PipelineHarness h)
    {
        await h.InstallAsync();
        var series = await h.SeedSeriesAsync("run", 3);
        var applied = await h.EnqueueAsync(series[0], Applies, "applies");
        var rejected = await h.EnqueueAsync(series[1], Rejected, "rejected");

        var first = await h.App.TickAsync();
        var second = await h.App.TickAsync();

        Assert.Equal((applied, DispatchResult.Applied), (first!.IssueId, first.Result));
        Assert.Equal((rejected, DispatchResult.Rejected), (second!.IssueId, second.Result));
        Assert.Equal(first.RunId, await AssertRunIdRecordedAsync(h, applied));
        Assert.Equal(second.RunId, await AssertRunIdRecordedAsync(h, rejected));

        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { RequireApproval = true });
        var waiting = await h.EnqueueAsync(series[2], Applies, "waits");

        var parked = await h.App.TickAsync();

        Assert.Equal((waiting, DispatchResult.AwaitingApproval), (parked!.IssueId, parked.Result));
        var issue = await h.Issues.GetAsync(waiting);
        Assert.Equal(IssueState.AwaitingApproval, issue.Status.State);
        Assert.NotNull(issue.RunId);
        Assert.Equal(parked.RunId, issue.RunId);
        Assert.Equal((await h.Issues.FindApprovalAsync(waiting))!.RunId, issue.RunId);
        Assert.Equal(CouncilRunStatus.AwaitingApproval, (await h.Council.GetRunAsync(issue.RunId.Value))!.Status);

        var approved = await h.App.ApproveAsync(waiting, "Zoë", null);

        Assert.Equal(DispatchResult.Applied, approved.Result);
        Assert.Equal(parked.RunId, await AssertRunIdRecordedAsync(h, waiting));
    }

    /// <summary>The issue, its log entry and the runs found by its subject all name one stored run; returns its id.</summary>
    private static async Task<CouncilRunId> AssertRunIdRecordedAsync(PipelineHarness h, IssueId id)
    {
        var issue = await h.Issues.GetAsync(id);
        var runId = Assert.NotNull(issue.RunId);
        Assert.Equal(runId, (await h.Log.FindAsync(id))!.RunId);
        var runs = await h.Council.ListRunsBySubjectAsync(CouncilRunSubjects.ForIssue(id)).ToListAsync();
        Assert.Equal(runId, Assert.Single(runs).Id);
        return runId;
    }

    private static MeterListener CountWriteTransactions(ConcurrentDictionary<string, int> byOperation)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "IssueCore" && instrument.Name == "issuecore.sqlite.write_transactions")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var operation = "?";
            foreach (var tag in tags)
            {
                if (tag.Key == "issuecore.operation" && tag.Value is string text)
                {
                    operation = text;
                }
            }

            byOperation.AddOrUpdate(operation, (int)value, (_, n) => n + (int)value);
        });
        listener.Start();
        return listener;
    }
}
