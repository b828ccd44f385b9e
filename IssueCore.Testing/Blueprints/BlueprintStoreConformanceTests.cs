using IssueCore.Blueprints;
using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

/// <summary>
/// The conformance suite for <see cref="IBlueprintStore"/>. Derive once, implement
/// <see cref="ConformanceTests{TStore}.CreateStoreAsync"/>, and every fact runs against the adapter.
/// </summary>
public abstract class BlueprintStoreConformanceTests : ConformanceTests<IBlueprintStore>
{
    private static readonly BlueprintId Series = BlueprintId.Parse("orders");

#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [Fact]
    public async Task First_write_without_parents_creates_the_series()
    {
        var doc = Doc("1.0.0");

        var written = await Store.WriteNewAsync(Series, doc, [], new CommitMetadata("seed it", Origin: "seed"));
        var head = await Store.ReadHeadAsync(Series);

        Contract.Equal(doc.Version, written.Trace.Version, "first write without parents creates the series (checked: written.Trace.Version)");
        Contract.Empty(written.Trace.Parents, "first write without parents creates the series (checked: written.Trace.Parents)");
        Contract.Equal("seed", written.Trace.Origin, "first write without parents creates the series (checked: written.Trace.Origin)");
        Contract.Equal(StartTime, written.Trace.Timestamp, "first write without parents creates the series (checked: written.Trace.Timestamp)");
        Contract.Equal(doc.CanonicalJson, head.Value.CanonicalJson, "first write without parents creates the series (checked: head.Value.CanonicalJson)");
        Contract.Equal(doc.Version, head.Trace.Version, "first write without parents creates the series (checked: head.Trace.Version)");
        Contract.Empty(head.Trace.Parents, "first write without parents creates the series (checked: head.Trace.Parents)");
        Contract.Equal("seed", head.Trace.Origin, "first write without parents creates the series (checked: head.Trace.Origin)");
        Contract.Equal(StartTime, head.Trace.Timestamp, "first write without parents creates the series (checked: head.Trace.Timestamp)");
    }

    [Fact]
    public async Task First_write_with_parents_conflicts_and_writes_nothing()
    {
        var ghost = Doc("0.0.1").Version;

        await Contract.ThrowsAsync<ConflictException>(() => Store.WriteNewAsync(Series, Doc("1.0.0"), [ghost], Meta()), "first write with parents conflicts and writes nothing");

        await Contract.ThrowsAsync<NotFoundException>(() => Store.ReadHeadAsync(Series), "first write with parents conflicts and writes nothing");
    }

    [Fact]
    public async Task Write_on_the_current_head_moves_the_head()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));
        Time.Advance(TimeSpan.FromSeconds(10));

        var written = await Store.WriteNewAsync(Series, Doc("1.0.1"), [v1], Meta());
        var head = await Store.ReadHeadAsync(Series);

        Contract.Equal(Doc("1.0.1").Version, head.Trace.Version, "write on the current head moves the head (checked: head.Trace.Version)");
        Contract.Equal([v1], head.Trace.Parents, "write on the current head moves the head (checked: head.Trace.Parents)");
        Contract.Equal([v1], written.Trace.Parents, "write on the current head moves the head (checked: written.Trace.Parents)");
        Contract.Equal(StartTime.AddSeconds(10), head.Trace.Timestamp, "write on the current head moves the head (checked: head.Trace.Timestamp)");
    }

    [Fact]
    public async Task Write_with_a_stale_parent_conflicts_and_writes_nothing()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));
        var v2 = await WriteAsync(Doc("1.0.1"), v1);

        var error = await Contract.ThrowsAsync<ConflictException>(() => Store.WriteNewAsync(Series, Doc("1.0.2"), [v1], Meta()), "WriteNewAsync with parents that do not include the head (a stale parent) throws ConflictException and writes nothing");

        Contract.Equal(v2.Value, error.Actual, "WriteNewAsync with parents that do not include the head throws ConflictException whose Actual is the current head version");
        Contract.Equal(v2, (await Store.ReadHeadAsync(Series)).Trace.Version, "write with a stale parent conflicts and writes nothing (checked: (await Store.ReadHeadAsync(Series)).Trace.Version)");
        Contract.Equal(2, (await Store.HistoryAsync(Series, 10)).Count, "write with a stale parent conflicts and writes nothing (checked: (await Store.HistoryAsync(Series, 10)).Count)");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.ReadVersionAsync(Series, Doc("1.0.2").Version), "write with a stale parent conflicts and writes nothing");
    }

    [Fact]
    public async Task Write_without_parents_on_an_existing_series_conflicts()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));

        await Contract.ThrowsAsync<ConflictException>(() => Store.WriteNewAsync(Series, Doc("2.0.0"), [], Meta()), "write without parents on an existing series conflicts");

        Contract.Equal(v1, (await Store.ReadHeadAsync(Series)).Trace.Version, "write without parents on an existing series conflicts (checked: (await Store.ReadHeadAsync(Series)).Trace.Version)");
    }

    [Fact]
    public async Task Write_identical_to_the_head_writes_nothing_and_returns_the_head()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));
        Time.Advance(TimeSpan.FromSeconds(5));

        var again = await Store.WriteNewAsync(Series, Doc("1.0.0"), [v1], Meta("again"));

        Contract.Equal(v1, again.Trace.Version, "write identical to the head writes nothing and returns the head (checked: again.Trace.Version)");
        Contract.Equal(StartTime, again.Trace.Timestamp, "write identical to the head writes nothing and returns the head (checked: again.Trace.Timestamp)");
        var history = await Store.HistoryAsync(Series, 10);
        Contract.Single(history, "write identical to the head writes nothing and returns the head (checked: history)");
        Contract.Equal("rationale", history[0].Metadata.Rationale, "write identical to the head writes nothing and returns the head (checked: history[0].Metadata.Rationale)");
    }

    [Fact]
    public async Task Write_of_content_equal_to_an_older_version_conflicts()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));
        var v2 = await WriteAsync(Doc("1.0.1"), v1);

        await Contract.ThrowsAsync<ConflictException>(() => Store.WriteNewAsync(Series, Doc("1.0.0"), [v2], Meta()), "write of content equal to an older version conflicts");

        Contract.Equal(v2, (await Store.ReadHeadAsync(Series)).Trace.Version, "write of content equal to an older version conflicts (checked: (await Store.ReadHeadAsync(Series)).Trace.Version)");
        Contract.Equal(2, (await Store.HistoryAsync(Series, 10)).Count, "write of content equal to an older version conflicts (checked: (await Store.HistoryAsync(Series, 10)).Count)");
    }

    [Fact]
    public async Task Second_commit_for_the_same_issue_in_a_series_conflicts()
    {
        var issue = IssueId.Parse("issue-7");
        var v1 = await WriteAsync(Doc("1.0.0"));
        var v2 = (await Store.WriteNewAsync(Series, Doc("1.0.1"), [v1], Meta(issueId: issue))).Trace.Version;

        await Contract.ThrowsAsync<ConflictException>(() => Store.WriteNewAsync(Series, Doc("1.0.2"), [v2], Meta(issueId: issue)), "second commit for the same issue in a series conflicts");

        Contract.Equal(v2, (await Store.ReadHeadAsync(Series)).Trace.Version, "second commit for the same issue in a series conflicts (checked: (await Store.ReadHeadAsync(Series)).Trace.Version)");
        var other = BlueprintId.Parse("other-series");
        var elsewhere = await Store.WriteNewAsync(other, Doc("1.0.0"), [], Meta(issueId: issue));
        Contract.Equal(Doc("1.0.0").Version, elsewhere.Trace.Version, "second commit for the same issue in a series conflicts (checked: elsewhere.Trace.Version)");
    }

    [Fact]
    public async Task FindCommitByIssue_returns_the_commit_the_issue_produced()
    {
        var issue = IssueId.Parse("issue-9");
        var v1 = await WriteAsync(Doc("1.0.0"));
        var v2 = (await Store.WriteNewAsync(Series, Doc("1.0.1"), [v1], Meta("by issue", issue))).Trace.Version;
        await WriteAsync(Doc("1.0.2"), v2);

        var commit = await Store.FindCommitByIssueAsync(Series, issue);

        Contract.NotNull(commit, "FindCommitByIssue returns the commit the issue produced (checked: commit)");
        Contract.Equal(v2, commit.Version, "FindCommitByIssue returns the commit the issue produced (checked: commit.Version)");
        Contract.Equal(Series, commit.BlueprintId, "FindCommitByIssue returns the commit the issue produced (checked: commit.BlueprintId)");
        Contract.Equal(issue, commit.Metadata.IssueId, "FindCommitByIssue returns the commit the issue produced (checked: commit.Metadata.IssueId)");
        Contract.Equal("by issue", commit.Metadata.Rationale, "FindCommitByIssue returns the commit the issue produced (checked: commit.Metadata.Rationale)");
        Contract.Null(await Store.FindCommitByIssueAsync(Series, IssueId.Parse("issue-none")), "FindCommitByIssue returns the commit the issue produced");
        Contract.Null(await Store.FindCommitByIssueAsync(BlueprintId.Parse("no-series"), issue), "FindCommitByIssue returns the commit the issue produced");
    }

    [Fact]
    public async Task ReadCommit_returns_every_metadata_field()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));
        var metadata = new CommitMetadata(
            "Warum? Weil — ünïcode ✓ 漢字 🚀",
            new BlueprintEpoch(Series, v1, StartTime.AddMinutes(-1)),
            new string('c', 64),
            IssueId.Parse("issue:42"),
            "issue");
        Time.Advance(TimeSpan.FromMinutes(2));
        var v2 = (await Store.WriteNewAsync(Series, Doc("1.1.0"), [v1], metadata)).Trace.Version;

        var commit = await Store.ReadCommitAsync(Series, v2);

        Contract.Equal(Series, commit.BlueprintId, "ReadCommit returns every metadata field (checked: commit.BlueprintId)");
        Contract.Equal(v2, commit.Version, "ReadCommit returns every metadata field (checked: commit.Version)");
        Contract.Equal([v1], commit.Parents, "ReadCommit returns every metadata field (checked: commit.Parents)");
        Contract.Equal(metadata, commit.Metadata, "ReadCommit returns every metadata field (checked: commit.Metadata)");
        Contract.Equal(StartTime.AddMinutes(2), commit.CommittedAt, "ReadCommit returns every metadata field (checked: commit.CommittedAt)");
    }

    [Fact]
    public async Task History_is_newest_first_and_honours_the_limit()
    {
        var versions = new List<BlueprintVersion>();
        BlueprintVersion? head = null;
        for (var i = 0; i < 5; i++)
        {
            head = await WriteAsync(Doc($"1.0.{i}"), head);
            versions.Add(head.Value);
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        var all = await Store.HistoryAsync(Series, 100);
        var two = await Store.HistoryAsync(Series, 2);

        versions.Reverse();
        Contract.Equal(versions, all.Select(c => c.Version), "history is newest first and honours the limit (checked: all.Select(c => c.Version))");
        Contract.Equal(versions.Take(2), two.Select(c => c.Version), "history is newest first and honours the limit (checked: two.Select(c => c.Version))");
        Contract.Empty(all[^1].Parents, "history is newest first and honours the limit (checked: all[^1].Parents)");
        Contract.Equal([versions[1]], all[0].Parents, "history is newest first and honours the limit (checked: all[0].Parents)");
    }

    [Fact]
    public async Task Every_version_stays_readable()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));
        var v2 = await WriteAsync(Doc("1.0.1"), v1);

        var first = await Store.ReadVersionAsync(Series, v1);
        var second = await Store.ReadVersionAsync(Series, v2);

        Contract.Equal(Doc("1.0.0").CanonicalJson, first.Value.CanonicalJson, "every version stays readable (checked: first.Value.CanonicalJson)");
        Contract.Equal(v1, first.Trace.Version, "every version stays readable (checked: first.Trace.Version)");
        Contract.Equal(Doc("1.0.1").CanonicalJson, second.Value.CanonicalJson, "every version stays readable (checked: second.Value.CanonicalJson)");
        Contract.Equal([v1], second.Trace.Parents, "every version stays readable (checked: second.Trace.Parents)");
    }

    [Fact]
    public async Task Unknown_series_or_version_throws_not_found()
    {
        var missing = BlueprintId.Parse("missing");
        var unknownVersion = Doc("9.9.9").Version;
        await WriteAsync(Doc("1.0.0"));

        await Contract.ThrowsAsync<NotFoundException>(() => Store.ReadHeadAsync(missing), "unknown series or version throws not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.ReadVersionAsync(missing, unknownVersion), "unknown series or version throws not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.ReadVersionAsync(Series, unknownVersion), "unknown series or version throws not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.ReadCommitAsync(missing, unknownVersion), "unknown series or version throws not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.ReadCommitAsync(Series, unknownVersion), "unknown series or version throws not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.HistoryAsync(missing, 10), "unknown series or version throws not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.SetArchivedAsync(missing, true), "unknown series or version throws not found");
        await Contract.ThrowsAsync<NotFoundException>(() => Store.IsArchivedAsync(missing), "unknown series or version throws not found");
    }

    [Fact]
    public async Task Unknown_members_and_unicode_read_back_exactly()
    {
        var doc = Blueprint.Parse("""
            {
              "id": "orders",
              "flow": {"kind": "seq", "children": [], "x-unknown": {"deep": [1, 2.5, -0.0, 1e21, null, true, "\u00e9\u6f22\u5b57"]}},
              "agents": [{"name": "Ågent ✓", "emoji": "🚀"}],
              "metadata": {"version_label": "1.0.0", "notes": "naïve café — 漢字 \ud83d\ude80", "z": 1, "a": 2},
              "zz_top_level_extension": {"keep": "me"}
            }
            """);

        var written = await Store.WriteNewAsync(Series, doc, [], Meta());
        var head = await Store.ReadHeadAsync(Series);

        Contract.Equal(doc.Version, written.Trace.Version, "unknown members and unicode read back exactly (checked: written.Trace.Version)");
        Contract.Equal(doc.CanonicalJson, head.Value.CanonicalJson, "unknown members and unicode read back exactly (checked: head.Value.CanonicalJson)");
        Contract.Equal(doc.Version, head.Value.Version, "unknown members and unicode read back exactly (checked: head.Value.Version)");
        Contract.Equal("naïve café — 漢字 🚀", head.Value.Root.GetProperty("metadata").GetProperty("notes").GetString(), "unknown members and unicode read back exactly");
        Contract.Equal("me", head.Value.Root.GetProperty("zz_top_level_extension").GetProperty("keep").GetString(), "unknown members and unicode read back exactly");
    }

    [Fact]
    public async Task ListIds_returns_every_series_in_ordinal_order_including_archived()
    {
        string[] names = ["b", "A", "a", "B-2", "a.1", "a:0", "_x", "9"];
        foreach (var name in names)
        {
            await Store.WriteNewAsync(BlueprintId.Parse(name), Doc("1.0.0"), [], Meta());
        }

        await Store.SetArchivedAsync(BlueprintId.Parse("a"), true);

        var ids = new List<string>();
        await foreach (var id in Store.ListIdsAsync())
        {
            ids.Add(id.Value);
        }

        Contract.Equal(names.Order(StringComparer.Ordinal), ids, "ListIds returns every series in ordinal order including archived (checked: ids)");
    }

    [Fact]
    public async Task ListIdsAfter_starts_after_the_key_in_ordinal_order_whether_or_not_the_key_is_a_series()
    {
        string[] names = ["b", "A", "a", "B-2", "a.1", "a:0", "_x", "9"];
        foreach (var name in names)
        {
            await Store.WriteNewAsync(BlueprintId.Parse(name), Doc("1.0.0"), [], Meta());
        }

        await Store.SetArchivedAsync(BlueprintId.Parse("a.1"), true);
        var ordered = names.Order(StringComparer.Ordinal).ToList();

        Contract.Equal(ordered, await IdsAfterAsync(null), "ListIdsAfter without a key lists every series in ordinal order");
        Contract.Equal(ordered.Where(n => string.CompareOrdinal(n, "a") > 0), await IdsAfterAsync("a"), "ListIdsAfter lists the ids strictly after the key, archived ones included");
        Contract.Equal(ordered.Where(n => string.CompareOrdinal(n, "a0") > 0), await IdsAfterAsync("a0"), "ListIdsAfter with a key that names no series starts after where it would sort");
        Contract.Empty(await IdsAfterAsync(ordered[^1]), "ListIdsAfter after the last id is empty");
    }

    [Fact]
    public async Task ListIdsAfter_walks_a_multi_page_list_page_by_page_exactly_once()
    {
        for (var i = 0; i < MultiPageItemCount; i++)
        {
            await Store.WriteNewAsync(BlueprintId.Parse($"series-{i:D5}"), Doc("1.0.0"), [], Meta());
        }

        const int page = 300;
        var walked = new List<string>();
        BlueprintId? after = null;
        while (true)
        {
            var taken = new List<BlueprintId>(page);
            await foreach (var id in Store.ListIdsAfterAsync(after))
            {
                taken.Add(id);
                if (taken.Count == page)
                {
                    break;
                }
            }

            walked.AddRange(taken.Select(id => id.Value));
            if (taken.Count < page)
            {
                break;
            }

            after = taken[^1];
        }

        Contract.Equal(Enumerable.Range(0, MultiPageItemCount).Select(i => $"series-{i:D5}"), walked, "ListIdsAfter, resumed from each page's last id, walks every series exactly once in order");
    }

    [Fact]
    public async Task ListIds_of_an_empty_store_is_empty()
    {
        await foreach (var id in Store.ListIdsAsync())
        {
            Contract.Fail($"Unexpected series {id}.", "ListIds lists every series id, so an empty store lists none");
        }
    }

    [Fact]
    public async Task Archive_flag_is_off_by_default_and_can_be_set_and_cleared()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));

        var initially = await Store.IsArchivedAsync(Series);
        await Store.SetArchivedAsync(Series, true);
        var archived = await Store.IsArchivedAsync(Series);
        var headWhileArchived = await Store.ReadHeadAsync(Series);
        await Store.SetArchivedAsync(Series, false);
        var cleared = await Store.IsArchivedAsync(Series);

        Contract.False(initially, "archive flag is off by default and can be set and cleared (checked: initially)");
        Contract.True(archived, "archive flag is off by default and can be set and cleared (checked: archived)");
        Contract.Equal(v1, headWhileArchived.Trace.Version, "archive flag is off by default and can be set and cleared (checked: headWhileArchived.Trace.Version)");
        Contract.False(cleared, "archive flag is off by default and can be set and cleared (checked: cleared)");
    }

    [Fact]
    public async Task Write_to_an_archived_series_is_refused_and_writes_nothing()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));
        await Store.SetArchivedAsync(Series, true);

        var error = await Contract.ThrowsAsync<ArchivedSeriesException>(() => Store.WriteNewAsync(Series, Doc("1.0.1"), [v1], Meta()), "write to an archived series is refused and writes nothing");
        var head = await Store.ReadHeadAsync(Series);
        var history = await Store.HistoryAsync(Series, 10);

        Contract.Equal(Series, error.BlueprintId, "write to an archived series is refused and writes nothing (checked: error.BlueprintId)");
        Contract.Equal(v1, head.Trace.Version, "write to an archived series is refused and writes nothing (checked: head.Trace.Version)");
        Contract.Single(history, "write to an archived series is refused and writes nothing (checked: history)");
    }

    [Fact]
    public async Task Write_after_unarchiving_a_series_moves_the_head_again()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));
        await Store.SetArchivedAsync(Series, true);
        await Store.SetArchivedAsync(Series, false);

        var written = await Store.WriteNewAsync(Series, Doc("1.0.1"), [v1], Meta());

        Contract.Equal(Doc("1.0.1").Version, (await Store.ReadHeadAsync(Series)).Trace.Version, "write after unarchiving a series moves the head again (checked: head)");
        Contract.Equal([v1], written.Trace.Parents, "write after unarchiving a series moves the head again (checked: written.Trace.Parents)");
    }

    [Fact]
    public async Task ListSeries_hides_archived_series_unless_asked()
    {
        string[] names = ["c", "a", "b"];
        foreach (var name in names)
        {
            await Store.WriteNewAsync(BlueprintId.Parse(name), Doc("1.0.0"), [], Meta());
        }

        await Store.SetArchivedAsync(BlueprintId.Parse("b"), true);

        var active = new List<string>();
        await foreach (var id in Store.ListSeriesAsync(includeArchived: false))
        {
            active.Add(id.Value);
        }

        var all = new List<string>();
        await foreach (var id in Store.ListSeriesAsync(includeArchived: true))
        {
            all.Add(id.Value);
        }

        Contract.Equal(["a", "c"], active, "ListSeries hides archived series unless asked (checked: active)");
        Contract.Equal(["a", "b", "c"], all, "ListSeries hides archived series unless asked (checked: all)");
    }

    [Fact]
    public async Task Parallel_writers_on_one_head_exactly_one_wins()
    {
        var v1 = await WriteAsync(Doc("1.0.0"));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                return (await Store.WriteNewAsync(Series, Doc($"2.0.{i}"), [v1], Meta($"writer {i}"))).Trace.Version;
            }
            catch (ConflictException)
            {
                return (BlueprintVersion?)null;
            }
        })));

        var winner = Contract.Single(outcomes, o => o is not null, "parallel writers on one head exactly one wins (checked: outcomes)");
        Contract.Equal(winner, (await Store.ReadHeadAsync(Series)).Trace.Version, "parallel writers on one head exactly one wins (checked: (await Store.ReadHeadAsync(Series)).Trace.Version)");
        Contract.Equal(2, (await Store.HistoryAsync(Series, 100)).Count, "parallel writers on one head exactly one wins (checked: (await Store.HistoryAsync(Series, 100)).Count)");
    }

    [Fact]
    public async Task Pre_cancelled_token_is_honoured()
    {
        var issue = IssueId.Parse("issue-c");
        var v1 = (await Store.WriteNewAsync(Series, Doc("1.0.0"), [], Meta(issueId: issue))).Trace.Version;

        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.WriteNewAsync(Series, Doc("1.0.1"), [v1], Meta(), CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.ReadHeadAsync(Series, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.ReadVersionAsync(Series, v1, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.ReadCommitAsync(Series, v1, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.FindCommitByIssueAsync(Series, issue, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.HistoryAsync(Series, 10, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.SetArchivedAsync(Series, true, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.IsArchivedAsync(Series, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var id in Store.ListIdsAsync(CancelledToken))
            {
                Contract.Fail($"Enumerated {id} despite cancellation.", "pre cancelled token is honoured (a cancelled stream yields nothing)");
            }
        }, "pre cancelled token is honoured");
        Contract.Equal(v1, (await Store.ReadHeadAsync(Series)).Trace.Version, "pre cancelled token is honoured (checked: (await Store.ReadHeadAsync(Series)).Trace.Version)");
        Contract.Single(await Store.HistoryAsync(Series, 10), "pre cancelled token is honoured (checked: await Store.HistoryAsync(Series, 10))");
        Contract.False(await Store.IsArchivedAsync(Series), "pre cancelled token is honoured (checked: await Store.IsArchivedAsync(Series))");
    }

    [Fact]
    public async Task ListIds_cancelled_after_the_first_item_stops_with_OperationCanceled()
    {
        for (var i = 0; i < MultiPageItemCount; i++)
        {
            await Store.WriteNewAsync(BlueprintId.Parse($"series-{i:D5}"), Doc("1.0.0"), [], Meta());
        }

        await AssertCancelledAfterTheFirstItemAsync(ct => Store.ListIdsAsync(ct), MultiPageItemCount);
    }

#pragma warning restore CS1591

    /// <summary>A small valid Blueprint document whose content (and so version) depends on <paramref name="label"/>.</summary>
    protected static Blueprint Doc(string label)
        => Blueprint.Parse($$$"""{"id":"orders","flow":{"kind":"seq","children":[]},"agents":[],"metadata":{"version_label":"{{{label}}}"}}""");

    private static CommitMetadata Meta(string rationale = "rationale", IssueId? issueId = null)
        => new(rationale, IssueId: issueId, Origin: "test");

    private async Task<BlueprintVersion> WriteAsync(Blueprint doc, BlueprintVersion? parent = null)
        => (await Store.WriteNewAsync(Series, doc, parent is { } p ? [p] : [], Meta())).Trace.Version;

    private async Task<List<string>> IdsAfterAsync(string? after)
    {
        var ids = new List<string>();
        await foreach (var id in Store.ListIdsAfterAsync(after is null ? null : BlueprintId.Parse(after)))
        {
            ids.Add(id.Value);
        }

        return ids;
    }

}
