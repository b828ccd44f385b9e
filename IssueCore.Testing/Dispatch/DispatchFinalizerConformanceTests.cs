using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

/// <summary>
/// The conformance suite for finishing a dispatch under its lease: the fencing token on every lease operation, and
/// the <see cref="IDispatchFinalizer"/> an adapter provides when its stores share one database. Derive once and build
/// the three stores over one database in <see cref="ConformanceTests{TStore}.CreateStoreAsync"/>.
/// </summary>
public abstract class DispatchFinalizerConformanceTests : ConformanceTests<DispatchStores>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly BlueprintId Target = BlueprintId.Parse("orders");

#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [Fact]
    public async Task The_stores_provide_a_finalizer_over_each_other()
    {
        Contract.NotNull(Finalizer(), "the stores provide a finalizer over each other (checked: Finalizer())");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_stale_claim_under_the_same_owner_can_neither_renew_complete_nor_release()
    {
        var id = await SeedIssueAsync();
        var first = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var second = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);

        Contract.Equal(first.IssueId, second.IssueId, "a stale claim under the same owner can neither renew complete nor release (checked: second.IssueId)");
        Contract.True(second.Token > first.Token, "a stale claim under the same owner can neither renew complete nor release (checked: second.Token > first.Token)");
        await Contract.ThrowsAsync<ConflictException>(() => Store.Issues.CheckLeaseAsync(first), "a stale claim under the same owner can neither renew complete nor release");
        await Contract.ThrowsAsync<ConflictException>(() => Store.Issues.RenewUnderLeaseAsync(first, Lease), "a stale claim under the same owner can neither renew complete nor release");
        await Contract.ThrowsAsync<ConflictException>(() => Store.Issues.CompleteUnderLeaseAsync(first, IssueStatus.Rejected("stale")), "a stale claim under the same owner can neither renew complete nor release");
        await Contract.ThrowsAsync<ConflictException>(() => Store.Issues.ReleaseUnderLeaseAsync(first, Time.GetUtcNow(), "stale"), "a stale claim under the same owner can neither renew complete nor release");
        var issue = await Store.Issues.GetAsync(id);
        Contract.True(second.IsHeldOn(issue), "a stale claim under the same owner can neither renew complete nor release (checked: second.IsHeldOn(issue))");
        Contract.Equal(IssueState.Rejected, (await Store.Issues.CompleteUnderLeaseAsync(second, IssueStatus.Rejected("fresh"))).Status.State, "a stale claim under the same owner can neither renew complete nor release");
    }

    [Fact]
    public async Task Finalize_writes_the_commit_the_entry_and_the_completion_together()
    {
        var id = await SeedIssueAsync();
        var head = (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version;
        var lease = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        var next = Doc("1.0.1");

        var done = await Finalizer()!.FinalizeAsync(Applied(lease, head, next));

        Contract.Equal(IssueStatus.Applied(next.Version), done.Issue.Status, "finalize writes the commit the entry and the completion together (checked: done.Issue.Status)");
        Contract.Equal(next.Version, (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version, "finalize writes the commit the entry and the completion together (checked: (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version)");
        Contract.Equal(next.Version, (await Store.Blueprints.FindCommitByIssueAsync(Target, id))!.Version, "finalize writes the commit the entry and the completion together (checked: (await Store.Blueprints.FindCommitByIssueAsync(Target, id))!.Version)");
        var entry = await Store.Log.GetAsync(id);
        Contract.Equal(EnhanceOutcome.Applied, entry.Outcome, "finalize writes the commit the entry and the completion together (checked: entry.Outcome)");
        Contract.Equal(next.Version, entry.NewVersion, "finalize writes the commit the entry and the completion together (checked: entry.NewVersion)");
        Contract.Equal(IssueState.Applied, (await Store.Issues.GetAsync(id)).Status.State, "finalize writes the commit the entry and the completion together (checked: (await Store.Issues.GetAsync(id)).Status.State)");
    }

    [Fact]
    public async Task Finalize_under_a_lapsed_lease_that_was_claimed_again_writes_nothing()
    {
        // A stalls past its lease; B (same owner name) claims the issue and rejects it; then A tries to commit.
        var id = await SeedIssueAsync();
        var head = (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version;
        var a = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var b = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        await Finalizer()!.FinalizeAsync(new DispatchFinalization
        {
            Lease = b,
            Entry = Entry(id, head, null, EnhanceOutcome.Rejected, ["noop: nothing changed"]),
            Status = IssueStatus.Rejected("noop: nothing changed"),
        });

        await Contract.ThrowsAsync<ConflictException>(() => Finalizer()!.FinalizeAsync(Applied(a, head, Doc("1.0.1"))), "finalize under a lapsed lease that was claimed again writes nothing");

        Contract.Equal(head, (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version, "finalize under a lapsed lease that was claimed again writes nothing (checked: (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version)");
        Contract.Null(await Store.Blueprints.FindCommitByIssueAsync(Target, id), "finalize under a lapsed lease that was claimed again writes nothing (checked: await Store.Blueprints.FindCommitByIssueAsync(Target, id))");
        Contract.Equal(EnhanceOutcome.Rejected, (await Store.Log.GetAsync(id)).Outcome, "finalize under a lapsed lease that was claimed again writes nothing (checked: (await Store.Log.GetAsync(id)).Outcome)");
        Contract.Equal(IssueState.Rejected, (await Store.Issues.GetAsync(id)).Status.State, "finalize under a lapsed lease that was claimed again writes nothing (checked: (await Store.Issues.GetAsync(id)).Status.State)");
    }

    [Fact]
    public async Task Finalize_that_loses_the_compare_and_swap_writes_nothing_and_keeps_the_lease()
    {
        var id = await SeedIssueAsync();
        var head = (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version;
        var lease = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        var moved = await Store.Blueprints.WriteNewAsync(Target, Doc("1.1.0"), [head], new CommitMetadata("elsewhere"));

        await Contract.ThrowsAsync<ConflictException>(() => Finalizer()!.FinalizeAsync(Applied(lease, head, Doc("1.0.1"))), "finalize that loses the compare and swap writes nothing and keeps the lease");

        Contract.Equal(moved.Value.Version, (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version, "finalize that loses the compare and swap writes nothing and keeps the lease (checked: (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version)");
        Contract.Null(await Store.Log.FindAsync(id), "finalize that loses the compare and swap writes nothing and keeps the lease (checked: await Store.Log.FindAsync(id))");
        Contract.True(lease.IsHeldOn(await Store.Issues.GetAsync(id)), "finalize that loses the compare and swap writes nothing and keeps the lease (checked: lease.IsHeldOn(await Store.Issues.GetAsync(id)))");
    }

    [Fact]
    public async Task Finalize_of_a_dead_letter_logs_a_failed_entry_and_fails_the_issue()
    {
        var id = await SeedIssueAsync();
        var lease = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);

        await Finalizer()!.FinalizeAsync(new DispatchFinalization
        {
            Lease = lease,
            Entry = Entry(id, null, null, EnhanceOutcome.Failed, ["gave up"]),
            Status = IssueStatus.Failed("gave up"),
        });

        var entry = await Store.Log.GetAsync(id);
        Contract.Equal(EnhanceOutcome.Failed, entry.Outcome, "finalize of a dead letter logs a failed entry and fails the issue (checked: entry.Outcome)");
        Contract.Equal(["gave up"], entry.Reasons, "finalize of a dead letter logs a failed entry and fails the issue (checked: entry.Reasons)");
        Contract.Equal(IssueState.Failed, (await Store.Issues.GetAsync(id)).Status.State, "finalize of a dead letter logs a failed entry and fails the issue (checked: (await Store.Issues.GetAsync(id)).Status.State)");
    }

    [Theory]
    [InlineData(EnhanceOutcome.Applied)]
    [InlineData(EnhanceOutcome.Rejected)]
    [InlineData(EnhanceOutcome.Failed)]
    public async Task Finalize_records_the_entry_run_id_on_the_issue_with_its_completion(EnhanceOutcome outcome)
    {
        var id = await SeedIssueAsync();
        var head = (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version;
        var lease = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        var runId = CouncilRunId.Parse("dispatch-run-" + outcome.ToString().ToLowerInvariant());
        var finalization = Outcome(lease, head, outcome);

        var done = await Finalizer()!.FinalizeAsync(finalization with { Entry = finalization.Entry with { RunId = runId } });

        var what = $"finalize records the entry run id on the issue with its completion ({outcome})";
        Contract.Equal(runId, done.Issue.RunId, what + " (checked: done.Issue.RunId)");
        var stored = await Store.Issues.GetAsync(id);
        Contract.Equal(runId, stored.RunId, what + " (checked: stored.RunId)");
        Contract.Equal(finalization.Status.State, stored.Status.State, what + " (checked: stored.Status.State)");
        Contract.Equal(runId, (await Store.Log.GetAsync(id)).RunId, what + " (checked: (await Store.Log.GetAsync(id)).RunId)");
    }

    [Fact]
    public async Task Finalize_of_an_entry_without_a_run_keeps_the_run_id_the_issue_records()
    {
        var id = await SeedIssueAsync();
        var lease = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        var earlier = CouncilRunId.Parse("dispatch-run-earlier");
        await Store.Issues.RecordRunUnderLeaseAsync(lease, earlier);

        var done = await Finalizer()!.FinalizeAsync(new DispatchFinalization
        {
            Lease = lease,
            Entry = Entry(id, null, null, EnhanceOutcome.Failed, ["gave up"]),
            Status = IssueStatus.Failed("gave up"),
        });

        Contract.Equal(earlier, done.Issue.RunId, "finalize of an entry without a run keeps the run id the issue records (checked: done.Issue.RunId)");
        Contract.Equal(earlier, (await Store.Issues.GetAsync(id)).RunId, "finalize of an entry without a run keeps the run id the issue records (checked: (await Store.Issues.GetAsync(id)).RunId)");
    }

    [Fact]
    public async Task Finalize_under_a_lost_lease_records_no_run_id()
    {
        var id = await SeedIssueAsync();
        var head = (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version;
        var a = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var b = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        var finalization = Outcome(a, head, EnhanceOutcome.Rejected);

        await Contract.ThrowsAsync<ConflictException>(() => Finalizer()!.FinalizeAsync(finalization with { Entry = finalization.Entry with { RunId = CouncilRunId.Parse("dispatch-run-stale") } }), "finalize under a lost lease records no run id");

        var stored = await Store.Issues.GetAsync(id);
        Contract.Null(stored.RunId, "finalize under a lost lease records no run id (checked: stored.RunId)");
        Contract.True(b.IsHeldOn(stored), "finalize under a lost lease records no run id (checked: b.IsHeldOn(stored))");
    }

    [SkippableFact]
    public async Task Finalize_with_a_run_stores_the_run_in_the_same_transaction()
    {
        var runs = RunFinalizerOrSkip(out var finalizer);
        var id = await SeedIssueAsync();
        var head = (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version;
        var lease = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        var next = Doc("1.0.1");

        await finalizer.FinalizeAsync(Applied(lease, head, next) with { Run = Recorded("dispatch-1") });

        var run = await runs.GetRunAsync(CouncilRunId.Parse("dispatch-1"));
        Contract.Equal(CouncilRunStatus.Completed, run?.Status, "finalize with a run stores the run in the same transaction (checked: run?.Status)");
        var events = new List<CouncilRunEvent>();
        await foreach (var e in runs.ListEventsAsync(CouncilRunId.Parse("dispatch-1")))
        {
            events.Add(e);
        }

        Contract.Equal([1L, 2L], events.Select(e => e.Sequence), "finalize with a run stores the run in the same transaction (checked: events.Select(e => e.Sequence))");
        Contract.Equal(IssueState.Applied, (await Store.Issues.GetAsync(id)).Status.State, "finalize with a run stores the run in the same transaction (checked: (await Store.Issues.GetAsync(id)).Status.State)");
    }

    [SkippableFact]
    public async Task Finalize_with_a_run_that_loses_the_compare_and_swap_stores_no_run()
    {
        var runs = RunFinalizerOrSkip(out var finalizer);
        var id = await SeedIssueAsync();
        var head = (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version;
        var lease = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        await Store.Blueprints.WriteNewAsync(Target, Doc("1.1.0"), [head], new CommitMetadata("elsewhere"));

        await Contract.ThrowsAsync<ConflictException>(() => finalizer.FinalizeAsync(Applied(lease, head, Doc("1.0.1")) with { Run = Recorded("dispatch-2") }), "finalize with a run that loses the compare and swap stores no run");

        Contract.Null(await runs.GetRunAsync(CouncilRunId.Parse("dispatch-2")), "finalize with a run that loses the compare and swap stores no run (checked: await runs.GetRunAsync(CouncilRunId.Parse(\"dispatch-2\")))");
        Contract.Null(await Store.Log.FindAsync(id), "finalize with a run that loses the compare and swap stores no run (checked: await Store.Log.FindAsync(id))");
    }

    [SkippableFact]
    public async Task Finalize_whose_run_id_is_taken_writes_nothing()
    {
        var runs = RunFinalizerOrSkip(out var finalizer);
        var id = await SeedIssueAsync();
        var head = (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version;
        var lease = IssueLease.Of((await Store.Issues.ClaimNextAsync("dispatcher", Lease))!);
        await runs.CreateRunAsync(Recorded("dispatch-3").Run);

        await Contract.ThrowsAsync<ConflictException>(() => finalizer.FinalizeAsync(Applied(lease, head, Doc("1.0.1")) with { Run = Recorded("dispatch-3") }), "finalize whose run id is taken writes nothing");

        Contract.Equal(head, (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version, "finalize whose run id is taken writes nothing (checked: (await Store.Blueprints.ReadHeadAsync(Target)).Value.Version)");
        Contract.Null(await Store.Log.FindAsync(id), "finalize whose run id is taken writes nothing (checked: await Store.Log.FindAsync(id))");
        Contract.True(lease.IsHeldOn(await Store.Issues.GetAsync(id)), "finalize whose run id is taken writes nothing (checked: lease.IsHeldOn(await Store.Issues.GetAsync(id)))");
    }

#pragma warning restore CS1591

    private ICouncilRepository RunFinalizerOrSkip(out IDispatchFinalizer finalizer)
    {
        var runs = Store.Runs;
        var made = runs is null ? null : (Store.Issues as IDispatchFinalizerProvider)?.CreateFinalizer(Store.Blueprints, Store.Log, runs);
        Skip.If(made is null, "The adapter's finalizer does not store a dispatch's run in its transaction (optional: DispatchStores.Runs and CreateFinalizer with a council repository).");
        finalizer = made!;
        return runs!;
    }

    private CouncilRunRecord Recorded(string id)
    {
        var runId = CouncilRunId.Parse(id);
        using var payload = JsonDocument.Parse("""{"output":"ü"}""");
        return new CouncilRunRecord
        {
            Run = new CouncilRun { Id = runId, FlowId = "enhance-default", Status = CouncilRunStatus.Completed, Subject = "issue", CreatedAt = Time.GetUtcNow(), UpdatedAt = Time.GetUtcNow() },
            Events =
            [
                new CouncilRunEvent(runId, 1, 0, "step.started", "n0", payload.RootElement.Clone(), Time.GetUtcNow()),
                new CouncilRunEvent(runId, 2, 0, "step.completed", "n0", payload.RootElement.Clone(), Time.GetUtcNow()),
            ],
        };
    }

    private static Blueprint Doc(string label)
        => Blueprint.Parse($$$"""{"id":"orders","flow":{"kind":"seq","children":[]},"agents":[],"metadata":{"version_label":"{{{label}}}"}}""");

    private IDispatchFinalizer? Finalizer()
        => (Store.Issues as IDispatchFinalizerProvider)?.CreateFinalizer(Store.Blueprints, Store.Log);

    private async Task<IssueId> SeedIssueAsync()
    {
        await Store.Blueprints.WriteNewAsync(Target, Doc("1.0.0"), [], new CommitMetadata("seed", Origin: "seed"));
        return (await Store.Issues.CreateAsync(new IssueDraft { BlueprintId = Target, Intent = "change" })).Issue.Id;
    }

    private DispatchFinalization Outcome(IssueLease lease, BlueprintVersion head, EnhanceOutcome outcome) => outcome switch
    {
        EnhanceOutcome.Applied => Applied(lease, head, Doc("1.0.1")),
        EnhanceOutcome.Rejected => new DispatchFinalization
        {
            Lease = lease,
            Entry = Entry(lease.IssueId, head, null, EnhanceOutcome.Rejected, ["noop: nothing changed"]),
            Status = IssueStatus.Rejected("noop: nothing changed"),
        },
        _ => new DispatchFinalization
        {
            Lease = lease,
            Entry = Entry(lease.IssueId, null, null, EnhanceOutcome.Failed, ["gave up"]),
            Status = IssueStatus.Failed("gave up"),
        },
    };

    private DispatchFinalization Applied(IssueLease lease, BlueprintVersion head, Blueprint next) => new()
    {
        Lease = lease,
        Commit = new DispatchCommit(Target, next, [head], new CommitMetadata("r", IssueId: lease.IssueId, Origin: "issue")),
        Entry = Entry(lease.IssueId, head, next.Version, EnhanceOutcome.Applied, []),
        Status = IssueStatus.Applied(next.Version),
    };

    private EnhanceLogEntry Entry(IssueId id, BlueprintVersion? previous, BlueprintVersion? next, EnhanceOutcome outcome, IReadOnlyList<string> reasons) => new()
    {
        IssueId = id,
        BlueprintId = Target,
        PreviousVersion = previous,
        NewVersion = next,
        Intent = "change",
        Rationale = "r",
        Outcome = outcome,
        Reasons = reasons,
        Timestamp = Time.GetUtcNow(),
    };
}
