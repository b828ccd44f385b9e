using System.Collections.Concurrent;
using System.Text.Json;
using IssueCore.Council;
using Xunit;

namespace IssueCore.Testing;

/// <summary>
/// The conformance suite for <see cref="ICouncilRepository"/>. Derive once, implement
/// <see cref="ConformanceTests{TStore}.CreateStoreAsync"/>, and every fact runs against the adapter.
/// </summary>
public abstract class CouncilRepositoryConformanceTests : ConformanceTests<ICouncilRepository>
{
    private static readonly JsonElement EmptyPayload = Json("{}");

    /// <summary>Every (from, to) pair of run statuses, for the transition theory.</summary>
    public static TheoryData<CouncilRunStatus, CouncilRunStatus> StatusPairs
    {
        get
        {
            var data = new TheoryData<CouncilRunStatus, CouncilRunStatus>();
            foreach (var from in Enum.GetValues<CouncilRunStatus>())
            {
                foreach (var to in Enum.GetValues<CouncilRunStatus>())
                {
                    data.Add(from, to);
                }
            }

            return data;
        }
    }

    /// <summary>
    /// Whether the adapter implements the optional members <see cref="ICouncilRepository.MarkAbandonedRunsAsync"/>
    /// and <see cref="ICouncilRepository.TouchRunAsync"/> (default interface members that throw
    /// <see cref="NotSupportedException"/> in repositories written before they existed; hosts then fall back to
    /// <see cref="ICouncilRepository.MarkInterruptedRunsAsync"/>). When <see langword="false"/>, the facts that
    /// exercise them are reported as skipped, with the reason. The default looks at the store's type: <see langword="true"/> when it implements both
    /// members itself. Override it when that guess is wrong (for example for a proxy that forwards them).
    /// </summary>
    protected virtual bool SupportsAbandonedRunDetection
        => ImplementsItself(nameof(ICouncilRepository.MarkAbandonedRunsAsync))
           && ImplementsItself(nameof(ICouncilRepository.TouchRunAsync));

    /// <summary>
    /// Whether the adapter implements the optional member <see cref="ICouncilRepository.PurgeFinishedRunsAsync"/> (a default
    /// interface member that throws <see cref="NotSupportedException"/> in repositories written before it existed). When
    /// <see langword="false"/>, the purge facts are reported as skipped, with the reason. The default looks at the store's
    /// type; override it when that guess is wrong.
    /// </summary>
    protected virtual bool SupportsPurge => ImplementsItself(nameof(ICouncilRepository.PurgeFinishedRunsAsync));

    /// <summary>
    /// Whether the adapter implements <see cref="ICouncilRepository.WriteRunRecordAsync"/> itself, and so writes it all or
    /// nothing (the default interface member makes three calls). When <see langword="false"/>, the atomicity fact is
    /// reported as skipped. The default looks at the store's type; override it when that guess is wrong.
    /// </summary>
    protected virtual bool SupportsAtomicRunRecord => ImplementsItself(nameof(ICouncilRepository.WriteRunRecordAsync));

    /// <summary>
    /// Whether <see cref="ICouncilRepository.WriteRunAsync"/> is the repository's own (one transaction, the events' numbers
    /// and timestamps kept), checked by the facts about a recorded run's timestamps and a refused write leaving nothing.
    /// </summary>
    protected virtual bool SupportsAtomicRunWrite => ImplementsItself(nameof(ICouncilRepository.WriteRunAsync));

    private const string AtomicRunWriteSkipReason = "The repository does not implement WriteRunAsync itself (optional; see SupportsAtomicRunWrite).";

    private const string AtomicRunRecordSkipReason = "The repository does not implement WriteRunRecordAsync itself (optional; see SupportsAtomicRunRecord).";

    private const string PurgeSkipReason = "The repository does not implement PurgeFinishedRunsAsync (optional; see SupportsPurge).";

    private const string AbandonedRunDetectionSkipReason =
        "The repository does not implement MarkAbandonedRunsAsync and TouchRunAsync (optional; see SupportsAbandonedRunDetection).";

#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [Fact]
    public async Task Create_then_get_returns_every_field()
    {
        var run = Run("run-1") with
        {
            FlowVersion = new string('e', 64),
            Subject = "issue:ünïcode-✓",
            Owner = "host-ü/4242/1767258000000",
            Graph = Json("""{"plan":[{"id":"n1","x-unknown":{"deep":[1,2.5,null,true]}}],"note":"漢字 🚀"}"""),
        };

        await Store.CreateRunAsync(run);
        var found = await Store.GetRunAsync(run.Id);

        Contract.NotNull(found, "create then get returns every field (checked: found)");
        Contract.Equal(run.Id, found.Id, "create then get returns every field (checked: found.Id)");
        Contract.Equal(run.FlowId, found.FlowId, "create then get returns every field (checked: found.FlowId)");
        Contract.Equal(run.FlowVersion, found.FlowVersion, "create then get returns every field (checked: found.FlowVersion)");
        Contract.Equal(run.Subject, found.Subject, "create then get returns every field (checked: found.Subject)");
        Contract.Equal(CouncilRunStatus.Running, found.Status, "create then get returns every field (checked: found.Status)");
        Contract.NotNull(found.Graph, "create then get returns every field (checked: found.Graph)");
        Contract.True(JsonElement.DeepEquals(run.Graph.Value, found.Graph.Value), "create then get returns every field (checked: JsonElement.DeepEquals(run.Graph.Value, found.Graph.Value))");
        Contract.Equal(run.CreatedAt, found.CreatedAt, "create then get returns every field (checked: found.CreatedAt)");
        Contract.Equal(run.UpdatedAt, found.UpdatedAt, "create then get returns every field (checked: found.UpdatedAt)");
        Contract.Equal(run.Owner, found.Owner, "create then get returns every field (checked: found.Owner)");
    }

    [Fact]
    public async Task Create_of_an_existing_run_conflicts_and_keeps_the_first()
    {
        await Store.CreateRunAsync(Run("run-1") with { Subject = "first" });

        await Contract.ThrowsAsync<ConflictException>(() => Store.CreateRunAsync(Run("run-1") with { Subject = "second" }), "create of an existing run conflicts and keeps the first");

        Contract.Equal("first", (await Store.GetRunAsync(CouncilRunId.Parse("run-1")))?.Subject, "create of an existing run conflicts and keeps the first (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"run-1\")))?.Subject)");
    }

    [Fact]
    public async Task Unknown_run_is_null_and_changes_to_it_throw_not_found()
    {
        var id = CouncilRunId.Parse("missing");

        Contract.Null(await Store.GetRunAsync(id), "unknown run is null and changes to it throw not found (checked: await Store.GetRunAsync(id))");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.UpdateRunStatusAsync(id, CouncilRunStatus.Completed), "unknown run is null and changes to it throw not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.UpdateGraphAsync(id, EmptyPayload), "unknown run is null and changes to it throw not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "step.started", null, EmptyPayload)), "unknown run is null and changes to it throw not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.TruncateEventsAfterWaveAsync(id, 0), "unknown run is null and changes to it throw not found");
    }

    [Theory]
    [MemberData(nameof(StatusPairs))]
    public async Task Status_changes_follow_the_transition_rules(CouncilRunStatus from, CouncilRunStatus to)
    {
        var id = CouncilRunId.Parse("run-t");
        await Store.CreateRunAsync(Run("run-t"));
        await Store.UpdateRunStatusAsync(id, from); // A running run may move anywhere.
        Time.Advance(TimeSpan.FromSeconds(1));

        if (CouncilRunStatusTransitions.CanTransition(from, to))
        {
            await Store.UpdateRunStatusAsync(id, to);
            var run = await Store.GetRunAsync(id);
            Contract.Equal(to, run?.Status, "status changes follow the transition rules (checked: run?.Status)");
            Contract.Equal(Time.GetUtcNow(), run?.UpdatedAt, "status changes follow the transition rules (checked: run?.UpdatedAt)");
        }
        else
        {
            await Contract.ThrowsAsync<ConflictException>(() => Store.UpdateRunStatusAsync(id, to), "status changes follow the transition rules");
            Contract.Equal(from, (await Store.GetRunAsync(id))?.Status, "status changes follow the transition rules (checked: (await Store.GetRunAsync(id))?.Status)");
        }
    }

    [Fact]
    public async Task UpdateGraph_replaces_the_graph()
    {
        var id = CouncilRunId.Parse("run-g");
        await Store.CreateRunAsync(Run("run-g") with { Graph = Json("""{"v":1}""") });
        Time.Advance(TimeSpan.FromSeconds(7));

        await Store.UpdateGraphAsync(id, Json("""{"v":2,"nodes":{"n1":"done ✓"}}"""));

        var run = await Store.GetRunAsync(id);
        Contract.True(JsonElement.DeepEquals(Json("""{"v":2,"nodes":{"n1":"done ✓"}}"""), run!.Graph!.Value), "UpdateGraph replaces the graph");
        Contract.Equal(Time.GetUtcNow(), run.UpdatedAt, "UpdateGraph replaces the graph (checked: run.UpdatedAt)");
    }

    [Fact]
    public async Task Graphs_and_payloads_are_kept_after_the_caller_disposes_their_documents()
    {
        // The engine passes elements of pooled documents and disposes them once the call completes.
        var id = CouncilRunId.Parse("run-pooled");
        await Store.CreateRunAsync(Run("run-pooled"));
        using (var graph = JsonDocument.Parse("""{"v":3,"nodes":{"n1":{"done":true}}}"""))
        {
            await Store.UpdateGraphAsync(id, graph.RootElement);
        }

        CouncilRunEvent appended;
        using (var payload = JsonDocument.Parse("""{"ctx":{"a":[1,2,3]}}"""))
        {
            appended = await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "wave.completed", null, payload.RootElement));
        }

        Contract.True(JsonElement.DeepEquals(Json("""{"v":3,"nodes":{"n1":{"done":true}}}"""), (await Store.GetRunAsync(id))!.Graph!.Value), "graphs and payloads are kept after the caller disposes their documents");
        Contract.True(JsonElement.DeepEquals(Json("""{"ctx":{"a":[1,2,3]}}"""), appended.Payload), "graphs and payloads are kept after the caller disposes their documents");
        Contract.True(JsonElement.DeepEquals(Json("""{"ctx":{"a":[1,2,3]}}"""), Contract.Single(await EventsAsync(id), "graphs and payloads are kept after the caller disposes their documents (checked: await EventsAsync(id))").Payload), "graphs and payloads are kept after the caller disposes their documents");
    }

    [Fact]
    public async Task Events_get_sequences_from_one_and_list_in_sequence_order()
    {
        var id = CouncilRunId.Parse("run-e");
        await Store.CreateRunAsync(Run("run-e"));

        var first = await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "step.started", "n1", Json("""{"ctx":{"ünïcode":"漢字 🚀"}}""")));
        Time.Advance(TimeSpan.FromSeconds(2));
        var second = await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "step.completed", null, EmptyPayload));
        var events = await EventsAsync(id);

        Contract.Equal(1, first.Sequence, "events get sequences from one and list in sequence order (checked: first.Sequence)");
        Contract.Equal(StartTime, first.Timestamp, "events get sequences from one and list in sequence order (checked: first.Timestamp)");
        Contract.Equal(2, second.Sequence, "events get sequences from one and list in sequence order (checked: second.Sequence)");
        Contract.Equal(StartTime.AddSeconds(2), second.Timestamp, "events get sequences from one and list in sequence order (checked: second.Timestamp)");
        Contract.Equal([1L, 2L], events.Select(e => e.Sequence), "events get sequences from one and list in sequence order (checked: events.Select(e => e.Sequence))");
        Contract.Equal(id, events[0].RunId, "events get sequences from one and list in sequence order (checked: events[0].RunId)");
        Contract.Equal("step.started", events[0].Kind, "events get sequences from one and list in sequence order (checked: events[0].Kind)");
        Contract.Equal("n1", events[0].NodeId, "events get sequences from one and list in sequence order (checked: events[0].NodeId)");
        Contract.Null(events[1].NodeId, "events get sequences from one and list in sequence order (checked: events[1].NodeId)");
        Contract.True(JsonElement.DeepEquals(Json("""{"ctx":{"ünïcode":"漢字 🚀"}}"""), events[0].Payload), "events get sequences from one and list in sequence order");
        Contract.Equal(StartTime.AddSeconds(2), events[1].Timestamp, "events get sequences from one and list in sequence order (checked: events[1].Timestamp)");
    }

    [Fact]
    public async Task Sequences_are_per_run()
    {
        var a = CouncilRunId.Parse("run-a");
        var b = CouncilRunId.Parse("run-b");
        await Store.CreateRunAsync(Run("run-a"));
        await Store.CreateRunAsync(Run("run-b"));

        await Store.AppendEventAsync(new CouncilRunEventDraft(a, 0, "k", null, EmptyPayload));
        await Store.AppendEventAsync(new CouncilRunEventDraft(a, 0, "k", null, EmptyPayload));
        var firstOfB = await Store.AppendEventAsync(new CouncilRunEventDraft(b, 0, "k", null, EmptyPayload));

        Contract.Equal(1, firstOfB.Sequence, "sequences are per run (checked: firstOfB.Sequence)");
        Contract.Equal(2, (await EventsAsync(a)).Count, "sequences are per run (checked: (await EventsAsync(a)).Count)");
        Contract.Single(await EventsAsync(b), "sequences are per run (checked: await EventsAsync(b))");
        Contract.Empty(await EventsAsync(CouncilRunId.Parse("run-none")), "sequences are per run (checked: await EventsAsync(CouncilRunId.Parse(\"run-none\")))");
    }

    [Fact]
    public async Task Parallel_appends_get_distinct_contiguous_sequences()
    {
        var id = CouncilRunId.Parse("run-p");
        await Store.CreateRunAsync(Run("run-p"));
        var assigned = new ConcurrentBag<long>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var e = await Store.AppendEventAsync(new CouncilRunEventDraft(id, w, "tick", $"w{w}", Json($$"""{"i":{{i}}}""")));
                assigned.Add(e.Sequence);
            }
        })));

        Contract.Equal(Enumerable.Range(1, 200).Select(i => (long)i), assigned.Order(), "parallel appends get distinct contiguous sequences (checked: assigned.Order())");
        Contract.Equal(Enumerable.Range(1, 200).Select(i => (long)i), (await EventsAsync(id)).Select(e => e.Sequence), "parallel appends get distinct contiguous sequences (checked: (await EventsAsync(id)).Select(e => e.Sequence))");
    }

    [Fact]
    public async Task Truncate_deletes_only_events_of_strictly_later_waves()
    {
        var id = CouncilRunId.Parse("run-r");
        await Store.CreateRunAsync(Run("run-r"));
        foreach (var wave in new[] { 0, 1, 2, 1, 3, 2 })
        {
            await Store.AppendEventAsync(new CouncilRunEventDraft(id, wave, "k", null, EmptyPayload));
        }

        var deleted = await Store.TruncateEventsAfterWaveAsync(id, 1);

        Contract.Equal(3, deleted, "truncate deletes only events of strictly later waves (checked: deleted)");
        var left = await EventsAsync(id);
        Contract.Equal([1L, 2L, 4L], left.Select(e => e.Sequence), "truncate deletes only events of strictly later waves (checked: left.Select(e => e.Sequence))");
        Contract.Equal([0, 1, 1], left.Select(e => e.Wave), "truncate deletes only events of strictly later waves (checked: left.Select(e => e.Wave))");
        Contract.Equal(0, await Store.TruncateEventsAfterWaveAsync(id, 1), "truncate deletes only events of strictly later waves (checked: await Store.TruncateEventsAfterWaveAsync(id, 1))");
    }

    [Fact]
    public async Task Sequences_continue_after_truncation_and_are_never_reused()
    {
        var id = CouncilRunId.Parse("run-s");
        await Store.CreateRunAsync(Run("run-s"));
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "k", null, EmptyPayload));
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 1, "k", null, EmptyPayload));
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 1, "k", null, EmptyPayload));

        await Store.TruncateEventsAfterWaveAsync(id, 0);
        var afterTrailingDelete = await Store.AppendEventAsync(new CouncilRunEventDraft(id, 1, "k", null, EmptyPayload));
        await Store.TruncateEventsAfterWaveAsync(id, -1);
        var afterDeletingAll = await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "k", null, EmptyPayload));

        Contract.Equal(4, afterTrailingDelete.Sequence, "sequences continue after truncation and are never reused (checked: afterTrailingDelete.Sequence)");
        Contract.Equal(5, afterDeletingAll.Sequence, "sequences continue after truncation and are never reused (checked: afterDeletingAll.Sequence)");
        Contract.Equal([5L], (await EventsAsync(id)).Select(e => e.Sequence), "sequences continue after truncation and are never reused (checked: (await EventsAsync(id)).Select(e => e.Sequence))");
    }

    [Fact]
    public async Task MarkInterruptedRuns_marks_only_running_runs()
    {
        await Store.CreateRunAsync(Run("r1"));
        await Store.CreateRunAsync(Run("r2"));
        await Store.CreateRunAsync(Run("r3"));
        await Store.CreateRunAsync(Run("r4"));
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("r3"), CouncilRunStatus.AwaitingApproval);
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("r4"), CouncilRunStatus.Completed);
        Time.Advance(TimeSpan.FromMinutes(1));

        var marked = await Store.MarkInterruptedRunsAsync();

        Contract.Equal(2, marked, "MarkInterruptedRuns marks only running runs (checked: marked)");
        Contract.Equal(CouncilRunStatus.Interrupted, (await Store.GetRunAsync(CouncilRunId.Parse("r1")))?.Status, "MarkInterruptedRuns marks only running runs (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"r1\")))?.Status)");
        Contract.Equal(CouncilRunStatus.Interrupted, (await Store.GetRunAsync(CouncilRunId.Parse("r2")))?.Status, "MarkInterruptedRuns marks only running runs (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"r2\")))?.Status)");
        Contract.Equal(Time.GetUtcNow(), (await Store.GetRunAsync(CouncilRunId.Parse("r2")))?.UpdatedAt, "MarkInterruptedRuns marks only running runs (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"r2\")))?.UpdatedAt)");
        Contract.Equal(CouncilRunStatus.AwaitingApproval, (await Store.GetRunAsync(CouncilRunId.Parse("r3")))?.Status, "MarkInterruptedRuns marks only running runs (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"r3\")))?.Status)");
        Contract.Equal(CouncilRunStatus.Completed, (await Store.GetRunAsync(CouncilRunId.Parse("r4")))?.Status, "MarkInterruptedRuns marks only running runs (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"r4\")))?.Status)");
        Contract.Equal(0, await Store.MarkInterruptedRunsAsync(), "MarkInterruptedRuns marks only running runs (checked: await Store.MarkInterruptedRunsAsync())");
    }

    [SkippableFact]
    public async Task MarkAbandonedRuns_leaves_a_running_run_with_activity_since_the_cutoff_alone()
    {
        Skip.IfNot(SupportsAbandonedRunDetection, AbandonedRunDetectionSkipReason);

        await Store.CreateRunAsync(Run("live") with { Owner = "host-a" });
        Time.Advance(TimeSpan.FromMinutes(5));
        await Store.TouchRunAsync(CouncilRunId.Parse("live"), "host-a");
        Time.Advance(TimeSpan.FromMinutes(1));

        var marked = await Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter { LastActivityBefore = Time.GetUtcNow() - TimeSpan.FromMinutes(2), AbandonedOwners = ["host-b"] });

        Contract.Equal(0, marked, "MarkAbandonedRuns leaves a running run with activity since the cutoff alone (checked: marked)");
        Contract.Equal(CouncilRunStatus.Running, (await Store.GetRunAsync(CouncilRunId.Parse("live")))?.Status, "MarkAbandonedRuns leaves a running run with activity since the cutoff alone (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"live\")))?.Status)");
    }

    [SkippableFact]
    public async Task MarkAbandonedRuns_marks_a_running_run_without_activity_since_the_cutoff()
    {
        Skip.IfNot(SupportsAbandonedRunDetection, AbandonedRunDetectionSkipReason);

        await Store.CreateRunAsync(Run("stale") with { Owner = "host-a" });
        await Store.CreateRunAsync(Run("done"));
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("done"), CouncilRunStatus.Completed);
        Time.Advance(TimeSpan.FromMinutes(3));

        var marked = await Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter { LastActivityBefore = Time.GetUtcNow() - TimeSpan.FromMinutes(2) });

        Contract.Equal(1, marked, "MarkAbandonedRuns marks a running run without activity since the cutoff (checked: marked)");
        var stale = await Store.GetRunAsync(CouncilRunId.Parse("stale"));
        Contract.Equal(CouncilRunStatus.Interrupted, stale?.Status, "MarkAbandonedRuns marks a running run without activity since the cutoff (checked: stale?.Status)");
        Contract.Equal(Time.GetUtcNow(), stale?.UpdatedAt, "MarkAbandonedRuns marks a running run without activity since the cutoff (checked: stale?.UpdatedAt)");
        Contract.Equal(CouncilRunStatus.Completed, (await Store.GetRunAsync(CouncilRunId.Parse("done")))?.Status, "MarkAbandonedRuns marks a running run without activity since the cutoff (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"done\")))?.Status)");
    }

    [SkippableFact]
    public async Task MarkAbandonedRuns_marks_the_runs_of_an_abandoned_owner_whatever_their_activity()
    {
        Skip.IfNot(SupportsAbandonedRunDetection, AbandonedRunDetectionSkipReason);

        await Store.CreateRunAsync(Run("dead-1") with { Owner = "host-dead" });
        await Store.CreateRunAsync(Run("dead-2") with { Owner = "host-dead" });
        await Store.CreateRunAsync(Run("peer") with { Owner = "host-live" });
        await Store.CreateRunAsync(Run("unowned"));
        await Store.CreateRunAsync(Run("dead-waiting") with { Owner = "host-dead" });
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("dead-waiting"), CouncilRunStatus.AwaitingApproval);

        var marked = await Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter { LastActivityBefore = StartTime - TimeSpan.FromMinutes(2), AbandonedOwners = ["host-dead"] });

        Contract.Equal(2, marked, "MarkAbandonedRuns marks the runs of an abandoned owner whatever their activity (checked: marked)");
        Contract.Equal(CouncilRunStatus.Interrupted, (await Store.GetRunAsync(CouncilRunId.Parse("dead-1")))?.Status, "MarkAbandonedRuns marks the runs of an abandoned owner whatever their activity (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"dead-1\")))?.Status)");
        Contract.Equal(CouncilRunStatus.Interrupted, (await Store.GetRunAsync(CouncilRunId.Parse("dead-2")))?.Status, "MarkAbandonedRuns marks the runs of an abandoned owner whatever their activity (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"dead-2\")))?.Status)");
        Contract.Equal(CouncilRunStatus.Running, (await Store.GetRunAsync(CouncilRunId.Parse("peer")))?.Status, "MarkAbandonedRuns marks the runs of an abandoned owner whatever their activity (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"peer\")))?.Status)");
        Contract.Equal(CouncilRunStatus.Running, (await Store.GetRunAsync(CouncilRunId.Parse("unowned")))?.Status, "MarkAbandonedRuns marks the runs of an abandoned owner whatever their activity (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"unowned\")))?.Status)");
        Contract.Equal(CouncilRunStatus.AwaitingApproval, (await Store.GetRunAsync(CouncilRunId.Parse("dead-waiting")))?.Status, "MarkAbandonedRuns marks the runs of an abandoned owner whatever their activity (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"dead-waiting\")))?.Status)");
    }

    [SkippableFact]
    public async Task MarkAbandonedRuns_with_an_empty_filter_marks_nothing()
    {
        Skip.IfNot(SupportsAbandonedRunDetection, AbandonedRunDetectionSkipReason);

        await Store.CreateRunAsync(Run("r1") with { Owner = "host-a" });
        Time.Advance(TimeSpan.FromDays(1));

        Contract.Equal(0, await Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter()), "MarkAbandonedRuns with an empty filter marks nothing (checked: await Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter()))");
        Contract.Equal(CouncilRunStatus.Running, (await Store.GetRunAsync(CouncilRunId.Parse("r1")))?.Status, "MarkAbandonedRuns with an empty filter marks nothing (checked: (await Store.GetRunAsync(CouncilRunId.Parse(\"r1\")))?.Status)");
    }

    [SkippableFact]
    public async Task Appending_an_event_counts_as_activity_for_MarkAbandonedRuns()
    {
        Skip.IfNot(SupportsAbandonedRunDetection, AbandonedRunDetectionSkipReason);

        var id = CouncilRunId.Parse("busy");
        await Store.CreateRunAsync(Run("busy"));
        Time.Advance(TimeSpan.FromMinutes(5));
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "step_started", "n1", EmptyPayload));
        Time.Advance(TimeSpan.FromMinutes(1));

        var marked = await Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter { LastActivityBefore = Time.GetUtcNow() - TimeSpan.FromMinutes(2) });

        Contract.Equal(0, marked, "appending an event counts as activity for MarkAbandonedRuns (checked: marked)");
        Contract.Equal(StartTime + TimeSpan.FromMinutes(5), (await Store.GetRunAsync(id))?.UpdatedAt, "appending an event counts as activity for MarkAbandonedRuns (checked: (await Store.GetRunAsync(id))?.UpdatedAt)");
    }

    [SkippableFact]
    public async Task TouchRun_records_the_owner_and_activity_only_while_running()
    {
        Skip.IfNot(SupportsAbandonedRunDetection, AbandonedRunDetectionSkipReason);

        var id = CouncilRunId.Parse("t1");
        await Store.CreateRunAsync(Run("t1"));
        Time.Advance(TimeSpan.FromMinutes(1));

        Contract.True(await Store.TouchRunAsync(id, "host-a"), "TouchRun records the owner and activity only while running (checked: await Store.TouchRunAsync(id, \"host-a\"))");
        var touched = await Store.GetRunAsync(id);
        await Store.UpdateRunStatusAsync(id, CouncilRunStatus.Completed);

        Contract.Equal("host-a", touched?.Owner, "TouchRun records the owner and activity only while running (checked: touched?.Owner)");
        Contract.Equal(Time.GetUtcNow(), touched?.UpdatedAt, "TouchRun records the owner and activity only while running (checked: touched?.UpdatedAt)");
        Contract.False(await Store.TouchRunAsync(id, "host-b"), "TouchRun records the owner and activity only while running (checked: await Store.TouchRunAsync(id, \"host-b\"))");
        Contract.Equal("host-a", (await Store.GetRunAsync(id))?.Owner, "TouchRun records the owner and activity only while running (checked: (await Store.GetRunAsync(id))?.Owner)");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.TouchRunAsync(CouncilRunId.Parse("missing"), "host-a"), "TouchRun records the owner and activity only while running");
    }

    [SkippableFact]
    public async Task Moving_a_run_back_to_running_clears_its_owner_so_the_old_owner_cannot_get_it_marked()
    {
        Skip.IfNot(SupportsAbandonedRunDetection, AbandonedRunDetectionSkipReason);

        var id = CouncilRunId.Parse("resumed");
        await Store.CreateRunAsync(Run("resumed") with { Owner = "host-dead" });
        await Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter { AbandonedOwners = ["host-dead"] });

        await Store.UpdateRunStatusAsync(id, CouncilRunStatus.Running);
        var marked = await Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter { AbandonedOwners = ["host-dead"] });

        Contract.Equal(0, marked, "moving a run back to running clears its owner so the old owner cannot get it marked (checked: marked)");
        var run = await Store.GetRunAsync(id);
        Contract.Equal(CouncilRunStatus.Running, run?.Status, "moving a run back to running clears its owner so the old owner cannot get it marked (checked: run?.Status)");
        Contract.Null(run?.Owner, "moving a run back to running clears its owner so the old owner cannot get it marked (checked: run?.Owner)");
    }

    [Fact]
    public async Task ListRuns_is_newest_first_and_filters_by_status()
    {
        await Store.CreateRunAsync(Run("old", StartTime.AddMinutes(-30)));
        await Store.CreateRunAsync(Run("newest", StartTime));
        await Store.CreateRunAsync(Run("middle", StartTime.AddMinutes(-10)));
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("middle"), CouncilRunStatus.Failed);

        var all = await RunsAsync(null);
        var running = await RunsAsync(CouncilRunStatus.Running);
        var failed = await RunsAsync(CouncilRunStatus.Failed);

        Contract.Equal(["newest", "middle", "old"], all, "ListRuns is newest first and filters by status (checked: all)");
        Contract.Equal(["newest", "old"], running, "ListRuns is newest first and filters by status (checked: running)");
        Contract.Equal(["middle"], failed, "ListRuns is newest first and filters by status (checked: failed)");
        Contract.Empty(await RunsAsync(CouncilRunStatus.Cancelled), "ListRuns is newest first and filters by status (checked: await RunsAsync(CouncilRunStatus.Cancelled))");
    }

    [Fact]
    public async Task Pre_cancelled_token_is_honoured()
    {
        var id = CouncilRunId.Parse("run-c");
        await Store.CreateRunAsync(Run("run-c") with { Owner = "x", Graph = Json("""{"v":1}""") });
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 2, "k", null, EmptyPayload));
        Time.Advance(TimeSpan.FromMinutes(1));

        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.CreateRunAsync(Run("run-c2"), CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "k", null, EmptyPayload), CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.UpdateRunStatusAsync(id, CouncilRunStatus.Completed, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.UpdateGraphAsync(id, Json("""{"v":2}"""), CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetRunAsync(id, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.TruncateEventsAfterWaveAsync(id, 0, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.MarkInterruptedRunsAsync(CancelledToken), "pre cancelled token is honoured");
        if (SupportsAbandonedRunDetection)
        {
            await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter { AbandonedOwners = ["x"] }, CancelledToken), "pre cancelled token is honoured");
            await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.TouchRunAsync(id, "host-a", CancelledToken), "pre cancelled token is honoured");
        }

        await Contract.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var run in Store.ListRunsAsync(null, CancelledToken))
            {
                Contract.Fail($"Enumerated {run.Id} despite cancellation.", "pre cancelled token is honoured (a cancelled stream yields nothing)");
            }
        }, "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in Store.ListEventsAsync(id, CancelledToken))
            {
                Contract.Fail($"Enumerated event {e.Sequence} despite cancellation.", "pre cancelled token is honoured (a cancelled stream yields nothing)");
            }
        }, "pre cancelled token is honoured");

        Contract.Null(await Store.GetRunAsync(CouncilRunId.Parse("run-c2")), "pre cancelled token is honoured (checked: await Store.GetRunAsync(CouncilRunId.Parse(\"run-c2\")))");
        var stored = await Store.GetRunAsync(id);
        Contract.Equal(CouncilRunStatus.Running, stored?.Status, "pre cancelled token is honoured (checked: stored?.Status)");
        Contract.Equal("x", stored?.Owner, "pre cancelled token is honoured (checked: stored?.Owner)");
        Contract.Equal(StartTime, stored?.UpdatedAt, "pre cancelled token is honoured (checked: stored?.UpdatedAt)");
        Contract.True(JsonElement.DeepEquals(Json("""{"v":1}"""), stored!.Graph!.Value), "pre cancelled token is honoured (checked: JsonElement.DeepEquals(Json(\"\"\"{\"v\":1}\"\"\"), stored!.Graph!.Value))");
        Contract.Equal([1L], (await EventsAsync(id)).Select(e => e.Sequence), "pre cancelled token is honoured (checked: (await EventsAsync(id)).Select(e => e.Sequence))");
    }

    [Fact]
    public async Task ListRunsAfter_resumes_after_the_keyed_run_newest_first_with_the_status_filter_applied()
    {
        await Store.CreateRunAsync(Run("run-a", StartTime.AddSeconds(1)));
        await Store.CreateRunAsync(Run("run-b", StartTime.AddSeconds(2)));
        await Store.CreateRunAsync(Run("run-c", StartTime.AddSeconds(2)));
        await Store.CreateRunAsync(Run("run-d", StartTime.AddSeconds(2)));
        await Store.CreateRunAsync(Run("run-e", StartTime.AddSeconds(3)));
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("run-a"), CouncilRunStatus.Completed);
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("run-b"), CouncilRunStatus.Completed);

        var all = await RunsAsync(null);
        Contract.Equal(["run-e", "run-d", "run-c", "run-b", "run-a"], all, "runs list newest first, ties by creation order newest first");
        Contract.Equal(all, await RunsAfterAsync(null, null), "ListRunsAfter without a key lists every run newest first");
        Contract.Equal(["run-c", "run-b", "run-a"], await RunsAfterAsync(null, "run-d"), "ListRunsAfter resumes strictly after the keyed run, including runs created at the same instant but earlier");
        Contract.Equal(["run-b", "run-a"], await RunsAfterAsync(CouncilRunStatus.Completed, "run-c"), "ListRunsAfter applies the status filter after a key whose run is in another status");
        Contract.Empty(await RunsAfterAsync(null, "run-a"), "ListRunsAfter after the oldest run is empty");
        await Contract.ThrowsAsync<NotFoundException>(() => RunsAfterAsync(null, "run-missing"), "ListRunsAfter with the id of no run throws NotFoundException when read");
    }

    [Fact]
    public async Task ListRunsAfter_walks_a_multi_page_list_page_by_page_exactly_once()
    {
        for (var i = 0; i < MultiPageItemCount; i++)
        {
            await Store.CreateRunAsync(Run($"run-{i:D5}", StartTime.AddSeconds(i / 3)));
        }

        const int page = 300;
        var walked = new List<string>();
        CouncilRunId? after = null;
        while (true)
        {
            var taken = new List<CouncilRun>(page);
            await foreach (var run in Store.ListRunsAfterAsync(null, after))
            {
                taken.Add(run);
                if (taken.Count == page)
                {
                    break;
                }
            }

            walked.AddRange(taken.Select(r => r.Id.Value));
            if (taken.Count < page)
            {
                break;
            }

            after = taken[^1].Id;
        }

        Contract.Equal(await RunsAsync(null), walked, "ListRunsAfter, resumed from each page's last run, walks every run exactly once in order");
    }

    [Fact]
    public async Task ListEventsAfter_starts_after_the_sequence_number()
    {
        var id = CouncilRunId.Parse("run-events");
        await Store.CreateRunAsync(Run("run-events"));
        for (var i = 0; i < 5; i++)
        {
            await Store.AppendEventAsync(new CouncilRunEventDraft(id, i, "tick", null, EmptyPayload));
        }

        await Store.TruncateEventsAfterWaveAsync(id, 3);

        Contract.Equal([1L, 2L, 3L, 4L], await EventsAfterAsync(id, 0), "ListEventsAfter 0 lists every event in sequence order");
        Contract.Equal([3L, 4L], await EventsAfterAsync(id, 2), "ListEventsAfter lists only the events with a greater sequence number");
        Contract.Empty(await EventsAfterAsync(id, 4), "ListEventsAfter the last sequence number is empty");
        Contract.Empty(await EventsAfterAsync(CouncilRunId.Parse("run-unknown"), 0), "ListEventsAfter of an unknown run is empty, as ListEvents is");
    }

    [Fact]
    public async Task ListRuns_cancelled_after_the_first_item_stops_with_OperationCanceled()
    {
        for (var i = 0; i < MultiPageItemCount; i++)
        {
            await Store.CreateRunAsync(Run($"run-{i:D5}", StartTime.AddSeconds(i)));
        }

        await AssertCancelledAfterTheFirstItemAsync(ct => Store.ListRunsAsync(null, ct), MultiPageItemCount);
        await AssertCancelledAfterTheFirstItemAsync(ct => Store.ListRunsAsync(CouncilRunStatus.Running, ct), MultiPageItemCount);
    }

    [Fact]
    public async Task ListEvents_cancelled_after_the_first_item_stops_with_OperationCanceled()
    {
        var id = CouncilRunId.Parse("run-long");
        await Store.CreateRunAsync(Run("run-long"));
        for (var i = 0; i < MultiPageItemCount; i++)
        {
            await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "tick", null, EmptyPayload));
        }

        await AssertCancelledAfterTheFirstItemAsync(ct => Store.ListEventsAsync(id, ct), MultiPageItemCount);
    }

    [Fact]
    public async Task AppendEvents_appends_a_batch_in_order_with_consecutive_sequence_numbers()
    {
        var id = CouncilRunId.Parse("run-b");
        await Store.CreateRunAsync(Run("run-b"));
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "step.started", "n0", EmptyPayload));
        Time.Advance(TimeSpan.FromSeconds(3));

        await Store.AppendEventsAsync(
        [
            new CouncilRunEventDraft(id, 0, "step.completed", "n0", Json("""{"output":{"ü":[1,2]}}""")),
            new CouncilRunEventDraft(id, 0, "wave.completed", null, EmptyPayload),
        ]);
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 1, "step.started", "n1", EmptyPayload));

        var events = await EventsAsync(id);
        Contract.Equal([1L, 2L, 3L, 4L], events.Select(e => e.Sequence), "AppendEvents appends a batch in order with consecutive sequence numbers (checked: events.Select(e => e.Sequence))");
        Contract.Equal(["step.started", "step.completed", "wave.completed", "step.started"], events.Select(e => e.Kind), "AppendEvents appends a batch in order with consecutive sequence numbers (checked: events.Select(e => e.Kind))");
        Contract.True(JsonElement.DeepEquals(Json("""{"output":{"ü":[1,2]}}"""), events[1].Payload), "AppendEvents appends a batch in order with consecutive sequence numbers");
        Contract.Equal(Time.GetUtcNow(), events[2].Timestamp, "AppendEvents appends a batch in order with consecutive sequence numbers (checked: events[2].Timestamp)");
        Contract.Equal(Time.GetUtcNow(), (await Store.GetRunAsync(id))?.UpdatedAt, "AppendEvents appends a batch in order with consecutive sequence numbers (checked: (await Store.GetRunAsync(id))?.UpdatedAt)");
    }

    [Fact]
    public async Task AppendEvents_to_an_unknown_run_throws_not_found_and_a_batch_of_two_runs_is_refused()
    {
        await Store.CreateRunAsync(Run("run-1"));
        await Store.CreateRunAsync(Run("run-2"));
        var missing = CouncilRunId.Parse("missing");

        await Contract.ThrowsAsync<NotFoundException>(() => Store.AppendEventsAsync([new CouncilRunEventDraft(missing, 0, "k", null, EmptyPayload)]), "AppendEvents to an unknown run throws not found and a batch of two runs is refused");
        await Contract.ThrowsAnyAsync<ArgumentException>(() => Store.AppendEventsAsync(
        [
            new CouncilRunEventDraft(CouncilRunId.Parse("run-1"), 0, "k", null, EmptyPayload),
            new CouncilRunEventDraft(CouncilRunId.Parse("run-2"), 0, "k", null, EmptyPayload),
        ]), "AppendEvents to an unknown run throws not found and a batch of two runs is refused");

        Contract.Empty(await EventsAsync(CouncilRunId.Parse("run-1")), "AppendEvents to an unknown run throws not found and a batch of two runs is refused (checked: await EventsAsync(CouncilRunId.Parse(\"run-1\")))");
        Contract.Empty(await EventsAsync(CouncilRunId.Parse("run-2")), "AppendEvents to an unknown run throws not found and a batch of two runs is refused (checked: await EventsAsync(CouncilRunId.Parse(\"run-2\")))");
    }

    [SkippableFact]
    public async Task Purge_keeps_the_newest_finished_runs_and_never_deletes_unfinished_ones()
    {
        Skip.IfNot(SupportsPurge, PurgeSkipReason);
        var statuses = new[]
        {
            CouncilRunStatus.Completed, CouncilRunStatus.Failed, CouncilRunStatus.Running, CouncilRunStatus.Cancelled,
            CouncilRunStatus.Completed, CouncilRunStatus.Interrupted, CouncilRunStatus.AwaitingApproval,
        };
        for (var i = 0; i < statuses.Length; i++)
        {
            var id = CouncilRunId.Parse($"r{i}");
            await Store.CreateRunAsync(Run($"r{i}", StartTime.AddMinutes(i)));
            await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "step.started", "n", EmptyPayload));
            if (statuses[i] != CouncilRunStatus.Running)
            {
                await Store.UpdateRunStatusAsync(id, statuses[i]);
            }
        }

        var deleted = await Store.PurgeFinishedRunsAsync(new CouncilRetentionPolicy { KeepLatest = 2 });

        Contract.Equal(2, deleted, "purge keeps the newest finished runs and never deletes unfinished ones (checked: deleted)");
        Contract.Equal(["r6", "r5", "r4", "r3", "r2"], await RunsAsync(null), "purge keeps the newest finished runs and never deletes unfinished ones (checked: await RunsAsync(null))");
        Contract.Empty(await EventsAsync(CouncilRunId.Parse("r0")), "purge keeps the newest finished runs and never deletes unfinished ones (checked: await EventsAsync(CouncilRunId.Parse(\"r0\")))");
        Contract.Empty(await EventsAsync(CouncilRunId.Parse("r1")), "purge keeps the newest finished runs and never deletes unfinished ones (checked: await EventsAsync(CouncilRunId.Parse(\"r1\")))");
        Contract.Single(await EventsAsync(CouncilRunId.Parse("r4")), "purge keeps the newest finished runs and never deletes unfinished ones (checked: await EventsAsync(CouncilRunId.Parse(\"r4\")))");
        Contract.Equal(0, await Store.PurgeFinishedRunsAsync(new CouncilRetentionPolicy { KeepLatest = 2 }), "purge keeps the newest finished runs and never deletes unfinished ones");
    }

    [SkippableFact]
    public async Task Purge_deletes_finished_runs_that_last_changed_before_the_cutoff()
    {
        Skip.IfNot(SupportsPurge, PurgeSkipReason);
        await Store.CreateRunAsync(Run("old"));
        await Store.CreateRunAsync(Run("old-but-running"));
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("old"), CouncilRunStatus.Completed);
        Time.Advance(TimeSpan.FromMinutes(10));
        await Store.CreateRunAsync(Run("recent", Time.GetUtcNow()));
        await Store.UpdateRunStatusAsync(CouncilRunId.Parse("recent"), CouncilRunStatus.Failed);

        var deleted = await Store.PurgeFinishedRunsAsync(new CouncilRetentionPolicy { FinishedBefore = Time.GetUtcNow() - TimeSpan.FromMinutes(5) });

        Contract.Equal(1, deleted, "purge deletes finished runs that last changed before the cutoff (checked: deleted)");
        Contract.Null(await Store.GetRunAsync(CouncilRunId.Parse("old")), "purge deletes finished runs that last changed before the cutoff (checked: await Store.GetRunAsync(CouncilRunId.Parse(\"old\")))");
        Contract.NotNull(await Store.GetRunAsync(CouncilRunId.Parse("old-but-running")), "purge deletes finished runs that last changed before the cutoff (checked: await Store.GetRunAsync(CouncilRunId.Parse(\"old-but-running\")))");
        Contract.NotNull(await Store.GetRunAsync(CouncilRunId.Parse("recent")), "purge deletes finished runs that last changed before the cutoff (checked: await Store.GetRunAsync(CouncilRunId.Parse(\"recent\")))");
    }

    [SkippableFact]
    public async Task Purge_deletes_at_most_the_per_call_maximum_and_nothing_without_a_rule()
    {
        Skip.IfNot(SupportsPurge, PurgeSkipReason);
        for (var i = 0; i < 5; i++)
        {
            await Store.CreateRunAsync(Run($"r{i}", StartTime.AddSeconds(i)));
            await Store.UpdateRunStatusAsync(CouncilRunId.Parse($"r{i}"), CouncilRunStatus.Completed);
        }

        Contract.Equal(0, await Store.PurgeFinishedRunsAsync(new CouncilRetentionPolicy()), "purge deletes at most the per call maximum and nothing without a rule (checked: await Store.PurgeFinishedRunsAsync(new CouncilRetentionPolicy()))");
        var policy = new CouncilRetentionPolicy { KeepLatest = 0, MaxRunsPerCall = 2 };
        var counts = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            counts.Add(await Store.PurgeFinishedRunsAsync(policy));
        }

        Contract.Equal([2, 2, 1, 0], counts, "purge deletes at most the per call maximum and nothing without a rule (checked: counts)");
        Contract.Empty(await RunsAsync(null), "purge deletes at most the per call maximum and nothing without a rule (checked: await RunsAsync(null))");
    }

    [SkippableFact]
    public async Task A_purged_run_id_can_be_created_again_with_fresh_event_numbers()
    {
        Skip.IfNot(SupportsPurge, PurgeSkipReason);
        var id = CouncilRunId.Parse("again");
        await Store.CreateRunAsync(Run("again"));
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "k", null, EmptyPayload));
        await Store.UpdateRunStatusAsync(id, CouncilRunStatus.Completed);
        Contract.Equal(1, await Store.PurgeFinishedRunsAsync(new CouncilRetentionPolicy { KeepLatest = 0 }), "a purged run id can be created again with fresh event numbers");

        await Store.CreateRunAsync(Run("again"));
        var appended = await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "k", null, EmptyPayload));

        Contract.Equal(1, appended.Sequence, "a purged run id can be created again with fresh event numbers (checked: appended.Sequence)");
        Contract.Equal(CouncilRunStatus.Running, (await Store.GetRunAsync(id))?.Status, "a purged run id can be created again with fresh event numbers (checked: (await Store.GetRunAsync(id))?.Status)");
    }

    [Fact]
    public async Task WriteRunRecord_writes_the_events_then_the_graph_and_the_status_of_a_run()
    {
        var id = CouncilRunId.Parse("ending");
        await Store.CreateRunAsync(Run("ending") with { Graph = Json("""{"plan":1}""") });
        await Store.AppendEventAsync(new CouncilRunEventDraft(id, 0, "step.started", "n0", EmptyPayload));
        Time.Advance(TimeSpan.FromSeconds(5));

        await Store.WriteRunRecordAsync(
            id,
            [
                new CouncilRunEventDraft(id, 0, "step.completed", "n0", Json("""{"output":"ü"}""")),
                new CouncilRunEventDraft(id, 0, "wave.completed", null, EmptyPayload),
            ],
            Json("""{"plan":1,"final_context":{"a":"ü"}}"""),
            CouncilRunStatus.Completed);

        var run = await Store.GetRunAsync(id);
        var events = await EventsAsync(id);
        Contract.Equal(CouncilRunStatus.Completed, run?.Status, "WriteRunRecord writes the events, then the graph, then the status, as AppendEvents, UpdateGraph and UpdateRunStatus would (checked: run?.Status)");
        Contract.Equal(Time.GetUtcNow(), run?.UpdatedAt, "WriteRunRecord writes the events, then the graph, then the status, as AppendEvents, UpdateGraph and UpdateRunStatus would (checked: run?.UpdatedAt)");
        Contract.True(JsonElement.DeepEquals(Json("""{"plan":1,"final_context":{"a":"ü"}}"""), run!.Graph!.Value), "WriteRunRecord writes the events, then the graph, then the status, as AppendEvents, UpdateGraph and UpdateRunStatus would (checked: JsonElement.DeepEquals(Json(\"\"\"{\"plan\":1,\"final_context\":{\"a\":\"ü\"}}\"\"\"), run!.Graph!.Value))");
        Contract.Equal([1L, 2L, 3L], events.Select(e => e.Sequence), "WriteRunRecord writes the events, then the graph, then the status, as AppendEvents, UpdateGraph and UpdateRunStatus would (checked: events.Select(e => e.Sequence))");
        Contract.Equal(["step.started", "step.completed", "wave.completed"], events.Select(e => e.Kind), "WriteRunRecord writes the events, then the graph, then the status, as AppendEvents, UpdateGraph and UpdateRunStatus would (checked: events.Select(e => e.Kind))");
        Contract.Equal("ü", events[1].Payload.GetProperty("output").GetString(), "WriteRunRecord writes the events, then the graph, then the status, as AppendEvents, UpdateGraph and UpdateRunStatus would (checked: events[1].Payload.GetProperty(\"output\").GetString())");
    }

    [Fact]
    public async Task WriteRunRecord_with_events_only_or_a_graph_only_leaves_the_status_alone()
    {
        var id = CouncilRunId.Parse("partial");
        await Store.CreateRunAsync(Run("partial"));

        await Store.WriteRunRecordAsync(id, [new CouncilRunEventDraft(id, 0, "step.started", "n0", EmptyPayload)], null, null);
        await Store.WriteRunRecordAsync(id, [], Json("""{"plan":2}"""), null);

        var run = await Store.GetRunAsync(id);
        Contract.Equal(CouncilRunStatus.Running, run?.Status, "WriteRunRecord writes the graph only when given and the status only when given (checked: run?.Status)");
        Contract.True(JsonElement.DeepEquals(Json("""{"plan":2}"""), run!.Graph!.Value), "WriteRunRecord writes the graph only when given and the status only when given (checked: JsonElement.DeepEquals(Json(\"\"\"{\"plan\":2}\"\"\"), run!.Graph!.Value))");
        Contract.Single(await EventsAsync(id), "WriteRunRecord writes the graph only when given and the status only when given (checked: await EventsAsync(id))");
    }

    [SkippableFact]
    public async Task WriteRunRecord_with_an_illegal_transition_writes_nothing()
    {
        Skip.IfNot(SupportsAtomicRunRecord, AtomicRunRecordSkipReason);
        var id = CouncilRunId.Parse("over");
        await Store.CreateRunAsync(Run("over") with { Graph = Json("""{"plan":1}""") });
        await Store.UpdateRunStatusAsync(id, CouncilRunStatus.Failed);

        await Contract.ThrowsAsync<ConflictException>(() => Store.WriteRunRecordAsync(
            id,
            [new CouncilRunEventDraft(id, 0, "step.completed", "n0", EmptyPayload)],
            Json("""{"plan":1,"final_context":{}}"""),
            CouncilRunStatus.Completed), "WriteRunRecord throws ConflictException when the status transition is not legal");

        var run = await Store.GetRunAsync(id);
        Contract.Equal(CouncilRunStatus.Failed, run?.Status, "a store that writes the run record in one transaction writes all or none: an illegal transition leaves the events, the graph and the status as they were (checked: run?.Status)");
        Contract.True(JsonElement.DeepEquals(Json("""{"plan":1}"""), run!.Graph!.Value), "a store that writes the run record in one transaction writes all or none: an illegal transition leaves the events, the graph and the status as they were (checked: JsonElement.DeepEquals(Json(\"\"\"{\"plan\":1}\"\"\"), run!.Graph!.Value))");
        Contract.Empty(await EventsAsync(id), "a store that writes the run record in one transaction writes all or none: an illegal transition leaves the events, the graph and the status as they were (checked: await EventsAsync(id))");
    }

    [Fact]
    public async Task WriteRunRecord_of_an_unknown_run_throws_not_found_and_events_of_another_run_are_refused()
    {
        var missing = CouncilRunId.Parse("missing");
        await Store.CreateRunAsync(Run("known"));

        await Contract.ThrowsAsync<NotFoundException>(() => Store.WriteRunRecordAsync(missing, [], Json("{}"), CouncilRunStatus.Completed), "WriteRunRecord of an unknown run throws NotFoundException");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.WriteRunRecordAsync(missing, [new CouncilRunEventDraft(missing, 0, "k", null, EmptyPayload)], null, null), "WriteRunRecord of an unknown run throws NotFoundException");
        await Contract.ThrowsAsync<ArgumentException>(() => Store.WriteRunRecordAsync(
            CouncilRunId.Parse("known"),
            [new CouncilRunEventDraft(missing, 0, "k", null, EmptyPayload)],
            null,
            null), "WriteRunRecord throws ArgumentException when an event names another run");
        Contract.Empty(await EventsAsync(CouncilRunId.Parse("known")), "a refused WriteRunRecord appends no event (checked: await EventsAsync(CouncilRunId.Parse(\"known\")))");
    }

    [Fact]
    public async Task Runs_are_listed_by_subject_newest_first_and_only_that_subject()
    {
        await Store.CreateRunAsync(Run("run-s1", StartTime) with { Subject = "issue:one" });
        await Store.CreateRunAsync(Run("run-other", StartTime.AddSeconds(1)) with { Subject = "issue:two" });
        await Store.CreateRunAsync(Run("run-s2", StartTime.AddSeconds(2)) with { Subject = "issue:one" });
        await Store.CreateRunAsync(Run("run-none", StartTime.AddSeconds(3)));

        var ids = new List<string>();
        await foreach (var run in Store.ListRunsBySubjectAsync("issue:one"))
        {
            ids.Add(run.Id.Value);
        }

        Contract.Equal(["run-s2", "run-s1"], ids, "runs are listed by subject, newest first, and only that subject");
        var none = new List<CouncilRun>();
        await foreach (var run in Store.ListRunsBySubjectAsync("issue:missing"))
        {
            none.Add(run);
        }

        Contract.Empty(none, "a subject without runs lists nothing");
    }

    [Fact]
    public async Task WriteRun_stores_a_recorded_run_with_its_status_graph_and_events_in_order()
    {
        var id = CouncilRunId.Parse("recorded");
        var run = Run("recorded") with { Status = CouncilRunStatus.Completed, Graph = Json("""{"plan":1,"final_context":{"a":"ü"}}"""), Subject = "issue:1", Owner = "host-a" };

        await Store.WriteRunAsync(new CouncilRunRecord
        {
            Run = run,
            Events =
            [
                new CouncilRunEvent(id, 1, 0, "step.started", "n0", EmptyPayload, StartTime),
                new CouncilRunEvent(id, 2, 0, "step.completed", "n0", Json("""{"output":"ü"}"""), StartTime),
                new CouncilRunEvent(id, 3, 0, "wave.completed", null, EmptyPayload, StartTime),
            ],
        });

        var stored = await Store.GetRunAsync(id);
        var events = await EventsAsync(id);
        Contract.Equal(CouncilRunStatus.Completed, stored?.Status, "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: stored?.Status)");
        Contract.Equal("issue:1", stored?.Subject, "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: stored?.Subject)");
        Contract.Equal(StartTime, stored?.CreatedAt, "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: stored?.CreatedAt)");
        Contract.True(JsonElement.DeepEquals(run.Graph!.Value, stored!.Graph!.Value), "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: JsonElement.DeepEquals(run.Graph!.Value, stored!.Graph!.Value))");
        Contract.Equal([1L, 2L, 3L], events.Select(e => e.Sequence), "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: events.Select(e => e.Sequence))");
        Contract.Equal(["step.started", "step.completed", "wave.completed"], events.Select(e => e.Kind), "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: events.Select(e => e.Kind))");
        Contract.Equal("ü", events[1].Payload.GetProperty("output").GetString(), "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: events[1].Payload.GetProperty(\"output\").GetString())");
        Contract.Equal([0, 0, 0], events.Select(e => e.Wave), "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: events.Select(e => e.Wave))");
        Contract.Equal(["n0", "n0", null], events.Select(e => e.NodeId), "WriteRun stores the run as CreateRun would, in the status and with the graph the record's run has, then its events in order (checked: events.Select(e => e.NodeId))");
    }

    [Fact]
    public async Task Appends_after_a_written_run_continue_above_its_last_sequence()
    {
        var id = CouncilRunId.Parse("flushed");
        await Store.WriteRunAsync(new CouncilRunRecord
        {
            Run = Run("flushed"),
            Events = [new CouncilRunEvent(id, 1, 0, "step.started", "n0", EmptyPayload, StartTime), new CouncilRunEvent(id, 2, 0, "step.completed", "n0", EmptyPayload, StartTime)],
        });

        var next = await Store.AppendEventAsync(new CouncilRunEventDraft(id, 1, "step.started", "n1", EmptyPayload));
        await Store.UpdateRunStatusAsync(id, CouncilRunStatus.AwaitingApproval);

        Contract.Equal(3, next.Sequence, "appends after a written run continue above its last sequence number (checked: next.Sequence)");
        Contract.Equal([1L, 2L, 3L], (await EventsAsync(id)).Select(e => e.Sequence), "appends after a written run continue above its last sequence number (checked: (await EventsAsync(id)).Select(e => e.Sequence))");
        Contract.Equal(CouncilRunStatus.AwaitingApproval, (await Store.GetRunAsync(id))?.Status, "appends after a written run continue above its last sequence number (checked: (await Store.GetRunAsync(id))?.Status)");
    }

    [Fact]
    public async Task WriteRun_of_an_existing_id_is_a_conflict_and_a_malformed_record_is_refused()
    {
        var id = CouncilRunId.Parse("taken");
        await Store.CreateRunAsync(Run("taken"));

        await Contract.ThrowsAsync<ConflictException>(() => Store.WriteRunAsync(new CouncilRunRecord { Run = Run("taken"), Events = [] }), "WriteRun of an existing run id throws ConflictException");
        await Contract.ThrowsAsync<ArgumentException>(() => Store.WriteRunAsync(new CouncilRunRecord
        {
            Run = Run("unordered"),
            Events = [new CouncilRunEvent(CouncilRunId.Parse("unordered"), 2, 0, "k", null, EmptyPayload, StartTime), new CouncilRunEvent(CouncilRunId.Parse("unordered"), 1, 0, "k", null, EmptyPayload, StartTime)],
        }), "WriteRun of a record that is not valid (see CouncilRunRecord.Validate) throws ArgumentException");
        await Contract.ThrowsAsync<ArgumentException>(() => Store.WriteRunAsync(new CouncilRunRecord
        {
            Run = Run("mixed"),
            Events = [new CouncilRunEvent(id, 1, 0, "k", null, EmptyPayload, StartTime)],
        }), "WriteRun of a record that is not valid (see CouncilRunRecord.Validate) throws ArgumentException");

        Contract.Null(await Store.GetRunAsync(CouncilRunId.Parse("unordered")), "a refused WriteRun writes nothing (checked: await Store.GetRunAsync(CouncilRunId.Parse(\"unordered\")))");
        Contract.Null(await Store.GetRunAsync(CouncilRunId.Parse("mixed")), "a refused WriteRun writes nothing (checked: await Store.GetRunAsync(CouncilRunId.Parse(\"mixed\")))");
        Contract.Empty(await EventsAsync(id), "a refused WriteRun writes nothing (checked: await EventsAsync(id))");
    }

    [SkippableFact]
    public async Task WriteRun_keeps_the_recorded_timestamps_and_a_refused_write_leaves_no_event()
    {
        Skip.IfNot(SupportsAtomicRunWrite, AtomicRunWriteSkipReason);
        var id = CouncilRunId.Parse("kept");
        var at = StartTime.AddSeconds(3);
        Time.Advance(TimeSpan.FromMinutes(1));

        await Store.WriteRunAsync(new CouncilRunRecord { Run = Run("kept"), Events = [new CouncilRunEvent(id, 1, 0, "step.started", "n0", EmptyPayload, at)] });
        await Contract.ThrowsAsync<ConflictException>(() => Store.WriteRunAsync(new CouncilRunRecord
        {
            Run = Run("kept"),
            Events = [new CouncilRunEvent(id, 1, 0, "step.started", "n0", EmptyPayload, at), new CouncilRunEvent(id, 2, 0, "step.completed", "n0", EmptyPayload, at)],
        }), "WriteRun of an existing run id throws ConflictException and writes nothing");

        var events = await EventsAsync(id);
        Contract.Equal(at, Contract.Single(events, "a store that writes the record in one transaction keeps the events' timestamps, and a refused write adds no event (checked: events)").Timestamp, "a store that writes the record in one transaction keeps the events' timestamps, and a refused write adds no event (checked: the single one's Timestamp)");
    }

#pragma warning restore CS1591

    /// <summary>A new running run created at <paramref name="createdAt"/> (the suite's start time by default).</summary>
    protected static CouncilRun Run(string id, DateTimeOffset? createdAt = null) => new()
    {
        Id = CouncilRunId.Parse(id),
        FlowId = "enhance-default",
        Status = CouncilRunStatus.Running,
        CreatedAt = createdAt ?? StartTime,
        UpdatedAt = createdAt ?? StartTime,
    };

    private bool ImplementsItself(string member)
    {
        var map = Store.GetType().GetInterfaceMap(typeof(ICouncilRepository));
        for (var i = 0; i < map.InterfaceMethods.Length; i++)
        {
            if (map.InterfaceMethods[i].Name == member)
            {
                // A default interface member the type does not override maps to the interface's own body.
                return map.TargetMethods[i].DeclaringType != typeof(ICouncilRepository);
            }
        }

        return false;
    }

    private static JsonElement Json(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private async Task<List<CouncilRunEvent>> EventsAsync(CouncilRunId id)
    {
        var events = new List<CouncilRunEvent>();
        await foreach (var e in Store.ListEventsAsync(id))
        {
            events.Add(e);
        }

        return events;
    }

    private async Task<List<string>> RunsAsync(CouncilRunStatus? status)
    {
        var ids = new List<string>();
        await foreach (var run in Store.ListRunsAsync(status))
        {
            ids.Add(run.Id.Value);
        }

        return ids;
    }

    private async Task<List<string>> RunsAfterAsync(CouncilRunStatus? status, string? after)
    {
        var ids = new List<string>();
        await foreach (var run in Store.ListRunsAfterAsync(status, after is null ? null : CouncilRunId.Parse(after)))
        {
            ids.Add(run.Id.Value);
        }

        return ids;
    }

    private async Task<List<long>> EventsAfterAsync(CouncilRunId id, long after)
    {
        var sequences = new List<long>();
        await foreach (var e in Store.ListEventsAfterAsync(id, after))
        {
            sequences.Add(e.Sequence);
        }

        return sequences;
    }

}
