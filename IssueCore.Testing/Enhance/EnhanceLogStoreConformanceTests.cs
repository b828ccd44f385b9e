using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

/// <summary>
/// The conformance suite for <see cref="IEnhanceLogStore"/>. Derive once, implement
/// <see cref="ConformanceTests{TStore}.CreateStoreAsync"/>, and every fact runs against the adapter.
/// </summary>
public abstract class EnhanceLogStoreConformanceTests : ConformanceTests<IEnhanceLogStore>
{
    private static readonly BlueprintId Orders = BlueprintId.Parse("orders");
    private static readonly BlueprintId Billing = BlueprintId.Parse("billing");

#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [Fact]
    public async Task Append_then_find_returns_every_field()
    {
        var entry = new EnhanceLogEntry
        {
            IssueId = IssueId.Parse("issue-1"),
            BlueprintId = Orders,
            PreviousVersion = BlueprintVersion.Parse(new string('1', 64)),
            NewVersion = BlueprintVersion.Parse(new string('2', 64)),
            Intent = "Raise the limit — ünïcode ✓ 漢字 🚀",
            Rationale = "Kunden wünschen es",
            Verdicts = [new VerdictSummary("des", VerdictStatus.Pass, "ok ✓"), new VerdictSummary("noop", VerdictStatus.Deny, "no change")],
            Outcome = EnhanceOutcome.Rejected,
            Reasons = ["noop: no change", "ünïcode: ✗"],
            Timestamp = StartTime.AddSeconds(3),
        };

        await Store.AppendAsync(entry);
        var found = await Store.GetAsync(entry.IssueId);

        AssertSame(entry, found);
    }

    [Fact]
    public async Task Append_then_find_keeps_the_approver_and_the_note()
    {
        var approved = Entry("issue-approved", Orders, StartTime) with { Approver = "Zoë Approver", ApprovalNote = "checked with finance ✓ 漢字" };
        var plain = Entry("issue-plain", Orders, StartTime.AddSeconds(1));

        await Store.AppendAsync(approved);
        await Store.AppendAsync(plain);

        AssertSame(approved, await Store.GetAsync(approved.IssueId));
        var found = await Store.GetAsync(plain.IssueId);
        Contract.Null(found.Approver, "an entry without approval has no approver");
        Contract.Null(found.ApprovalNote, "an entry without approval has no note");
    }

    [Fact]
    public async Task Entries_of_later_rounds_are_kept_and_find_returns_the_latest_round()
    {
        var first = Entry("issue-r", Orders, StartTime) with { Outcome = EnhanceOutcome.Failed, Reasons = ["dead"] };
        var second = Entry("issue-r", Orders, StartTime.AddSeconds(5)) with { Round = 1 };

        await Store.AppendAsync(first);
        await Store.AppendAsync(second);

        AssertSame(second, await Store.GetAsync(first.IssueId));
        var rounds = new List<int>();
        await foreach (var entry in Store.ListByBlueprintAsync(Orders))
        {
            rounds.Add(entry.Round);
        }

        Contract.Equal([0, 1], rounds, "lists are ascending by timestamp, one entry per issue and round (checked: rounds)");
        await Contract.ThrowsAsync<ConflictException>(() => Store.AppendAsync(second with { Outcome = EnhanceOutcome.Rejected }), "Append of an entry for an issue and round that exists throws ConflictException and leaves it untouched");
        AssertSame(second, await Store.GetAsync(first.IssueId));
    }

    [Fact]
    public async Task Entry_keeps_the_run_that_decided_it()
    {
        var entry = Entry("issue-run", Orders, StartTime) with { RunId = IssueCore.Council.CouncilRunId.Parse("run-decided") };
        var withoutRun = Entry("issue-no-run", Orders, StartTime.AddSeconds(1));

        await Store.AppendAsync(entry);
        await Store.AppendAsync(withoutRun);

        Contract.Equal(entry.RunId, (await Store.GetAsync(entry.IssueId)).RunId, "an entry keeps the run that decided it (checked: the run id)");
        Contract.Null((await Store.GetAsync(withoutRun.IssueId)).RunId, "an entry appended without a run reads back without one");
    }

    [Fact]
    public async Task Entry_without_versions_reads_back_without_versions()
    {
        var entry = Entry("issue-2", Orders, StartTime) with { PreviousVersion = null, NewVersion = null };

        await Store.AppendAsync(entry);

        AssertSame(entry, await Store.GetAsync(entry.IssueId));
    }

    [Fact]
    public async Task Find_of_an_unknown_issue_returns_null_and_get_throws_not_found()
    {
        Contract.Null(await Store.FindAsync(IssueId.Parse("missing")), "find of an unknown issue returns null and get throws not found (checked: await Store.FindAsync(IssueId.Parse(\"missing\")))");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.GetAsync(IssueId.Parse("missing")), "find of an unknown issue returns null and get throws not found");
    }

    [Fact]
    public async Task Second_append_for_the_same_issue_conflicts_and_leaves_the_first_untouched()
    {
        var first = Entry("issue-3", Orders, StartTime) with { Rationale = "first" };
        await Store.AppendAsync(first);

        await Contract.ThrowsAsync<ConflictException>(() => Store.AppendAsync(Entry("issue-3", Billing, StartTime.AddSeconds(1)) with { Rationale = "second", Outcome = EnhanceOutcome.Rejected }), "second append for the same issue conflicts and leaves the first untouched");

        AssertSame(first, await Store.GetAsync(first.IssueId));
        Contract.Single(await ListAsync(null), "second append for the same issue conflicts and leaves the first untouched (checked: await ListAsync(null))");
    }

    [Fact]
    public async Task ListAfter_resumes_after_the_keyed_entry_in_log_order_with_ties_in_append_order()
    {
        await Store.AppendAsync(Entry("e1", Orders, StartTime.AddSeconds(5)));
        await Store.AppendAsync(Entry("e2", Billing, StartTime.AddSeconds(1)));
        await Store.AppendAsync(Entry("e3", Orders, StartTime.AddSeconds(3)));
        await Store.AppendAsync(Entry("e4", Orders, StartTime.AddSeconds(3)));
        await Store.AppendAsync(Entry("e5", Billing, StartTime.AddSeconds(3)));
        await Store.AppendAsync(Entry("e6", Orders, StartTime.AddSeconds(1)));
        await Store.AppendAsync(Entry("e3", Orders, StartTime.AddSeconds(1)) with { Round = 1 });

        Contract.Equal(["e2", "e6", "e3", "e3", "e4", "e5", "e1"], await ListAfterAsync(null, null), "ListAfter without a key lists the whole log in order (timestamp, then append order)");
        Contract.Equal(["e4", "e5", "e1"], await ListAfterAsync(null, Key("e3", 0)), "ListAfter resumes strictly after the keyed entry: later timestamps, and equal timestamps appended after it");
        Contract.Equal(["e3", "e3", "e4", "e5", "e1"], await ListAfterAsync(null, Key("e6", 0)), "ListAfter resumes after the keyed entry's position, with an entry appended later but logged at the same instant included");
        Contract.Equal(["e4", "e1"], await ListAfterAsync(Orders, Key("e3", 0)), "ListAfter with a series lists only that series after the keyed entry");
        Contract.Equal(["e1"], await ListAfterAsync(Orders, Key("e5", 0)), "ListAfter with a series resumes after the keyed entry's position even when that entry belongs to another series");
        Contract.Empty(await ListAfterAsync(null, Key("e1", 0)), "ListAfter after the last entry is empty");
    }

    [Fact]
    public async Task ListAfter_an_entry_that_does_not_exist_is_not_found()
    {
        await Store.AppendAsync(Entry("e1", Orders, StartTime));

        await Contract.ThrowsAsync<NotFoundException>(() => ListAfterAsync(null, Key("missing", 0)), "ListAfter with the key of no entry throws NotFoundException when read");
        await Contract.ThrowsAsync<NotFoundException>(() => ListAfterAsync(Orders, Key("e1", 3)), "ListAfter with a round the issue never logged throws NotFoundException when read");
    }

    [Fact]
    public async Task ListAfter_walks_a_multi_page_log_page_by_page_exactly_once()
    {
        await AppendManyAsync();
        const int page = 300;

        var walked = new List<string>();
        EnhanceLogKey? after = null;
        while (true)
        {
            var taken = new List<EnhanceLogEntry>(page);
            await foreach (var entry in Store.ListAfterAsync(Orders, after))
            {
                taken.Add(entry);
                if (taken.Count == page)
                {
                    break;
                }
            }

            walked.AddRange(taken.Select(e => e.IssueId.Value));
            if (taken.Count < page)
            {
                break;
            }

            after = EnhanceLogKey.Of(taken[^1]);
        }

        Contract.Equal(await ListAsync(Orders), walked, "ListAfter, resumed from each page's last entry, walks the whole log exactly once in order");
    }

    [Fact]
    public async Task Lists_are_ascending_by_timestamp_with_ties_in_append_order()
    {
        await Store.AppendAsync(Entry("e1", Orders, StartTime.AddSeconds(5)));
        await Store.AppendAsync(Entry("e2", Billing, StartTime.AddSeconds(1)));
        await Store.AppendAsync(Entry("e3", Orders, StartTime.AddSeconds(3)));
        await Store.AppendAsync(Entry("e4", Orders, StartTime.AddSeconds(3)));
        await Store.AppendAsync(Entry("e5", Billing, StartTime.AddSeconds(3)));
        await Store.AppendAsync(Entry("e6", Orders, StartTime.AddSeconds(1)));

        var all = await ListAsync(null);
        var orders = await ListAsync(Orders);
        var billing = await ListAsync(Billing);

        Contract.Equal(["e2", "e6", "e3", "e4", "e5", "e1"], all, "lists are ascending by timestamp with ties in append order (checked: all)");
        Contract.Equal(["e6", "e3", "e4", "e1"], orders, "lists are ascending by timestamp with ties in append order (checked: orders)");
        Contract.Equal(["e2", "e5"], billing, "lists are ascending by timestamp with ties in append order (checked: billing)");
        Contract.Empty(await ListAsync(BlueprintId.Parse("unknown")), "lists are ascending by timestamp with ties in append order (checked: await ListAsync(BlueprintId.Parse(\"unknown\")))");
    }

    [Fact]
    public async Task Parallel_appends_for_one_issue_store_exactly_one_entry()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.AppendAsync(Entry("contended", Orders, StartTime) with { Rationale = $"writer {i}" });
                return true;
            }
            catch (ConflictException)
            {
                return false;
            }
        })));

        Contract.Single(outcomes, o => o, "parallel appends for one issue store exactly one entry (checked: outcomes)");
        Contract.Single(await ListAsync(null), "parallel appends for one issue store exactly one entry (checked: await ListAsync(null))");
    }

    [Fact]
    public async Task Parallel_appends_for_distinct_issues_are_all_kept()
    {
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => Store.AppendAsync(Entry($"issue-{i}", i % 2 == 0 ? Orders : Billing, StartTime.AddSeconds(i))))));

        Contract.Equal(Enumerable.Range(0, 50).Select(i => $"issue-{i}"), await ListAsync(null), "parallel appends for distinct issues are all kept (checked: await ListAsync(null))");
        Contract.Equal(25, (await ListAsync(Orders)).Count, "parallel appends for distinct issues are all kept (checked: (await ListAsync(Orders)).Count)");
    }

    [Fact]
    public async Task Pre_cancelled_token_is_honoured()
    {
        await Store.AppendAsync(Entry("c0", Orders, StartTime));

        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.AppendAsync(Entry("c1", Orders, StartTime), CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.FindAsync(IssueId.Parse("c0"), CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetAsync(IssueId.Parse("c0"), CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var entry in Store.ListAllAsync(CancelledToken))
            {
                Contract.Fail($"Enumerated {entry.IssueId} despite cancellation.", "pre cancelled token is honoured (a cancelled stream yields nothing)");
            }
        }, "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var entry in Store.ListByBlueprintAsync(Orders, CancelledToken))
            {
                Contract.Fail($"Enumerated {entry.IssueId} despite cancellation.", "pre cancelled token is honoured (a cancelled stream yields nothing)");
            }
        }, "pre cancelled token is honoured");

        Contract.Null(await Store.FindAsync(IssueId.Parse("c1")), "pre cancelled token is honoured (checked: await Store.FindAsync(IssueId.Parse(\"c1\")))");
        Contract.Equal(["c0"], await ListAsync(null), "pre cancelled token is honoured (checked: await ListAsync(null))");
    }

    [Fact]
    public async Task ListAll_cancelled_after_the_first_item_stops_with_OperationCanceled()
    {
        await AppendManyAsync();

        await AssertCancelledAfterTheFirstItemAsync(ct => Store.ListAllAsync(ct), MultiPageItemCount);
    }

    [Fact]
    public async Task ListByBlueprint_cancelled_after_the_first_item_stops_with_OperationCanceled()
    {
        await AppendManyAsync();

        await AssertCancelledAfterTheFirstItemAsync(ct => Store.ListByBlueprintAsync(Orders, ct), MultiPageItemCount);
    }

#pragma warning restore CS1591

    /// <summary>A minimal applied entry.</summary>
    protected static EnhanceLogEntry Entry(string issueId, BlueprintId blueprintId, DateTimeOffset timestamp) => new()
    {
        IssueId = IssueId.Parse(issueId),
        BlueprintId = blueprintId,
        PreviousVersion = BlueprintVersion.Parse(new string('a', 64)),
        NewVersion = BlueprintVersion.Parse(new string('b', 64)),
        Intent = "intent",
        Rationale = "rationale",
        Verdicts = [new VerdictSummary("des", VerdictStatus.Pass, "ok")],
        Outcome = EnhanceOutcome.Applied,
        Timestamp = timestamp,
    };

    private static void AssertSame(EnhanceLogEntry expected, EnhanceLogEntry actual)
    {
        Contract.Equal(expected.IssueId, actual.IssueId, "AssertSame (checked: actual.IssueId)");
        Contract.Equal(expected.BlueprintId, actual.BlueprintId, "AssertSame (checked: actual.BlueprintId)");
        Contract.Equal(expected.PreviousVersion, actual.PreviousVersion, "AssertSame (checked: actual.PreviousVersion)");
        Contract.Equal(expected.NewVersion, actual.NewVersion, "AssertSame (checked: actual.NewVersion)");
        Contract.Equal(expected.Intent, actual.Intent, "AssertSame (checked: actual.Intent)");
        Contract.Equal(expected.Rationale, actual.Rationale, "AssertSame (checked: actual.Rationale)");
        Contract.Equal(expected.Verdicts, actual.Verdicts, "AssertSame (checked: actual.Verdicts)");
        Contract.Equal(expected.Outcome, actual.Outcome, "AssertSame (checked: actual.Outcome)");
        Contract.Equal(expected.Reasons, actual.Reasons, "AssertSame (checked: actual.Reasons)");
        Contract.Equal(expected.Timestamp, actual.Timestamp, "AssertSame (checked: actual.Timestamp)");
        Contract.Equal(expected.Round, actual.Round, "AssertSame (checked: actual.Round)");
        Contract.Equal(expected.Approver, actual.Approver, "AssertSame (checked: actual.Approver)");
        Contract.Equal(expected.ApprovalNote, actual.ApprovalNote, "AssertSame (checked: actual.ApprovalNote)");
    }

    private async Task AppendManyAsync()
    {
        for (var i = 0; i < MultiPageItemCount; i++)
        {
            await Store.AppendAsync(Entry($"issue-{i:D5}", Orders, StartTime.AddSeconds(i)));
        }
    }

    private static EnhanceLogKey Key(string issueId, int round) => new(IssueId.Parse(issueId), round);

    private async Task<List<string>> ListAfterAsync(BlueprintId? blueprintId, EnhanceLogKey? after)
    {
        var ids = new List<string>();
        await foreach (var entry in Store.ListAfterAsync(blueprintId, after))
        {
            ids.Add(entry.IssueId.Value);
        }

        return ids;
    }

    private async Task<List<string>> ListAsync(BlueprintId? blueprintId)
    {
        var ids = new List<string>();
        var entries = blueprintId is { } id ? Store.ListByBlueprintAsync(id) : Store.ListAllAsync();
        await foreach (var entry in entries)
        {
            ids.Add(entry.IssueId.Value);
        }

        return ids;
    }
}
