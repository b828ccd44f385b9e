using IssueCore.Council;
using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

#pragma warning disable CS1591 // the facts' names say what they check
public abstract partial class IssueStoreConformanceTests
{
    [Fact]
    public async Task Create_keeps_the_target_repo_and_the_traceparent()
    {
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var created = (await Store.CreateAsync(Draft(key: "evt-trace") with { TargetRepo = "activity-core", TraceParent = traceParent })).Issue;

        var found = await Store.FindAsync(created.Id);

        Contract.NotNull(found, "create keeps the target repo and the traceparent (checked: the issue is found)");
        Contract.Equal("activity-core", found.TargetRepo, "create keeps the target repo and the traceparent (checked: found.TargetRepo)");
        Contract.Equal(traceParent, found.TraceParent, "create keeps the target repo and the traceparent (checked: found.TraceParent)");
        Contract.Null(found.RunId, "create keeps the target repo and the traceparent (checked: a new issue has no run)");
    }

    [Fact]
    public async Task Record_run_under_the_lease_sets_the_run_id_and_a_lost_lease_records_nothing()
    {
        await Store.CreateAsync(Draft());
        var claimed = await Store.ClaimNextAsync("w1", Lease);
        Contract.NotNull(claimed, "record run under the lease (checked: the issue is claimed)");
        var lease = IssueLease.Of(claimed);
        var run = CouncilRunId.Parse("run-of-the-dispatch");

        var recorded = await Store.RecordRunUnderLeaseAsync(lease, run);

        Contract.Equal(run, recorded.RunId, "record run under the lease sets the run id (checked: recorded.RunId)");
        Contract.Equal(run, (await Store.GetAsync(claimed.Id)).RunId, "record run under the lease sets the run id (checked: the stored issue)");

        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var again = await Store.ClaimNextAsync("w2", Lease);
        Contract.NotNull(again, "record run under a lost lease (checked: the issue is claimed again after its lease expired)");
        await Contract.ThrowsAsync<ConflictException>(() => Store.RecordRunUnderLeaseAsync(lease, CouncilRunId.Parse("stale-run")), "record run under a lost lease conflicts");
        Contract.Equal(run, (await Store.GetAsync(claimed.Id)).RunId, "record run under a lost lease records nothing (checked: the stored issue)");
    }
}
#pragma warning restore CS1591
