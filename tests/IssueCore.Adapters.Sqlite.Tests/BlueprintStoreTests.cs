using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class BlueprintStoreTests : IAsyncLifetime
{
    private readonly TempDatabase _temp = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private SqliteBlueprintStore _store = null!;

    public Task InitializeAsync()
    {
        _store = new SqliteBlueprintStore(_temp.Open(_time));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task A_chain_of_writes_moves_the_head_and_history_lists_newest_first()
    {
        var v1 = await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [], new CommitMetadata("first", Origin: "seed"));
        _time.Advance(TimeSpan.FromSeconds(1));
        var v2 = await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(2), [v1.Trace.Version], new CommitMetadata("second", IssueId: IssueId.Parse("i-2"), Origin: "issue"));

        var head = await _store.ReadHeadAsync(Samples.Series);
        var history = await _store.HistoryAsync(Samples.Series, 10);

        Assert.Equal(v2.Trace.Version, head.Trace.Version);
        Assert.Equal(Samples.Blueprint(2).CanonicalJson, head.Value.CanonicalJson);
        Assert.Equal([v1.Trace.Version], head.Trace.Parents);
        Assert.Equal("issue", head.Trace.Origin);
        Assert.Equal(_time.GetUtcNow(), head.Trace.Timestamp);
        Assert.Equal([v2.Trace.Version, v1.Trace.Version], history.Select(c => c.Version));
        Assert.Equal("second", history[0].Metadata.Rationale);
        Assert.Equal(v1.Trace.Version, (await _store.ReadVersionAsync(Samples.Series, v1.Trace.Version)).Trace.Version);
        Assert.Equal(v2.Trace.Version, (await _store.FindCommitByIssueAsync(Samples.Series, IssueId.Parse("i-2")))?.Version);
    }

    [Fact]
    public async Task A_write_on_a_stale_head_conflicts_and_writes_nothing()
    {
        var v1 = await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [], new CommitMetadata("a"));
        await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(2), [v1.Trace.Version], new CommitMetadata("b"));

        var stale = await Assert.ThrowsAsync<ConflictException>(() => _store.WriteNewAsync(Samples.Series, Samples.Blueprint(3), [v1.Trace.Version], new CommitMetadata("c")));
        var noParent = await Assert.ThrowsAsync<ConflictException>(() => _store.WriteNewAsync(Samples.Series, Samples.Blueprint(3), [], new CommitMetadata("c")));

        Assert.Equal(Samples.Blueprint(2).Version.Value, stale.Actual);
        Assert.Equal(Samples.Blueprint(2).Version.Value, noParent.Actual);
        Assert.Equal(2, (await _store.HistoryAsync(Samples.Series, 10)).Count);
    }

    [Fact]
    public async Task Writing_content_identical_to_the_head_is_a_no_op_and_an_older_version_cannot_be_revisited()
    {
        var v1 = await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [], new CommitMetadata("a"));
        var v2 = await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(2), [v1.Trace.Version], new CommitMetadata("b"));

        var same = await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(2), [v2.Trace.Version], new CommitMetadata("again"));
        await Assert.ThrowsAsync<ConflictException>(() => _store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [v2.Trace.Version], new CommitMetadata("back")));

        Assert.Equal(v2.Trace.Version, same.Trace.Version);
        Assert.Equal(v2.Trace.Timestamp, same.Trace.Timestamp);
        Assert.Equal(v2.Trace.Parents, same.Trace.Parents);
        Assert.Equal(2, (await _store.HistoryAsync(Samples.Series, 10)).Count);
    }

    [Fact]
    public async Task A_second_commit_for_the_same_issue_in_a_series_conflicts()
    {
        var issue = IssueId.Parse("i-1");
        var v1 = await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [], new CommitMetadata("a", IssueId: issue));

        var ex = await Assert.ThrowsAsync<ConflictException>(() => _store.WriteNewAsync(Samples.Series, Samples.Blueprint(2), [v1.Trace.Version], new CommitMetadata("b", IssueId: issue)));

        Assert.Contains("i-1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(v1.Trace.Version, (await _store.ReadHeadAsync(Samples.Series)).Trace.Version);
        Assert.Single(await _store.HistoryAsync(Samples.Series, 10));
    }

    [Fact]
    public async Task A_corrupted_row_is_reported_with_its_key_and_never_returned()
    {
        var v1 = await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [], new CommitMetadata("a"));
        await _temp.ExecuteAsync("UPDATE blueprint_versions SET content = replace(content, '\"n\":1', '\"n\":9');");

        var head = await Assert.ThrowsAsync<StorageException>(() => _store.ReadHeadAsync(Samples.Series));
        var version = await Assert.ThrowsAsync<StorageException>(() => _store.ReadVersionAsync(Samples.Series, v1.Trace.Version));

        Assert.Contains(v1.Trace.Version.Value, head.Message, StringComparison.Ordinal);
        Assert.Contains("orders", head.Message, StringComparison.Ordinal);
        Assert.Contains(v1.Trace.Version.Value, version.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_rewritten_to_an_equivalent_but_non_canonical_form_is_reported()
    {
        await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [], new CommitMetadata("a"));
        await _temp.ExecuteAsync("UPDATE blueprint_versions SET content = ' ' || content;");

        var ex = await Assert.ThrowsAsync<StorageException>(() => _store.ReadHeadAsync(Samples.Series));

        Assert.Contains("canonical", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_series_and_versions_are_not_found()
    {
        var missing = BlueprintId.Parse("missing");
        await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(1), [], new CommitMetadata("a"));

        await Assert.ThrowsAsync<NotFoundException>(() => _store.ReadHeadAsync(missing));
        await Assert.ThrowsAsync<NotFoundException>(() => _store.HistoryAsync(missing, 5));
        await Assert.ThrowsAsync<NotFoundException>(() => _store.IsArchivedAsync(missing));
        await Assert.ThrowsAsync<NotFoundException>(() => _store.SetArchivedAsync(missing, true));
        var version = await Assert.ThrowsAsync<NotFoundException>(() => _store.ReadVersionAsync(Samples.Series, Samples.Blueprint(7).Version));
        Assert.Equal("blueprint version", version.ResourceKind);
        Assert.Null(await _store.FindCommitByIssueAsync(Samples.Series, IssueId.Parse("none")));
    }

    [Fact]
    public async Task Ids_list_in_ordinal_order_across_pages_and_archiving_is_a_flag()
    {
        var names = Enumerable.Range(0, 300).Select(i => $"bp-{i:D3}").ToArray();
        foreach (var name in names.Reverse())
        {
            await _store.WriteNewAsync(BlueprintId.Parse(name), Samples.Blueprint(1), [], new CommitMetadata("a"));
        }

        await _store.SetArchivedAsync(BlueprintId.Parse("bp-007"), true);
        var listed = new List<string>();
        await foreach (var id in _store.ListIdsAsync())
        {
            listed.Add(id.Value);
        }

        Assert.Equal(names, listed);
        Assert.True(await _store.IsArchivedAsync(BlueprintId.Parse("bp-007")));
        Assert.False(await _store.IsArchivedAsync(BlueprintId.Parse("bp-008")));
    }

    [Fact]
    public async Task Reading_the_head_is_two_key_lookups_whatever_the_history_length()
    {
        // Arrange 10,000 versions directly, then check the head statement's plan on that file.
        await _store.WriteNewAsync(Samples.Series, Samples.Blueprint(0), [], new CommitMetadata("a"));
        await _temp.ExecuteAsync(
            "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) " +
            "INSERT INTO blueprint_versions (blueprint_id, version, position, content, parents, rationale, origin, committed_at) " +
            "SELECT 'orders', printf('%064x', i), i, '{}', '[]', 'bulk', 'bulk', 0 FROM n;");
        await _temp.ExecuteAsync("ANALYZE;");

        var plan = await QueryPlan.ExplainAsync(_temp, SqliteBlueprintStore.HeadSql, ("@id", "orders"));

        Assert.Equal(2, plan.Count);
        Assert.All(plan, p => Assert.StartsWith("SEARCH", p, StringComparison.Ordinal));
        Assert.Equal(Samples.Blueprint(0).Version, (await _store.ReadHeadAsync(Samples.Series)).Trace.Version);
    }
}
