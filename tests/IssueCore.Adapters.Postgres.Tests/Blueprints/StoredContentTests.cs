using IssueCore.Blueprints;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Blueprints;

public sealed class StoredContentTests : IAsyncLifetime
{
    private readonly PostgresTestSchema _schema = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
    private PostgresBlueprintStore _store = null!;

    public async Task InitializeAsync() => _store = new PostgresBlueprintStore(await _schema.CreateDatabaseAsync(_time));

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Stored_text_is_the_canonical_form_that_hashes_to_the_version()
    {
        var id = BlueprintId.Parse("orders");
        var written = await _store.WriteNewAsync(id, Blueprint.Parse("""{ "metadata": {"version_label":"1.0.0"}, "id": "orders" }"""), [], new CommitMetadata("seed", Origin: "seed"));

        var text = await _schema.ScalarAsync<string>("SELECT canonical_json FROM {schema}.blueprint_versions");
        var label = await _schema.ScalarAsync<string>("SELECT version_label FROM {schema}.blueprint_versions");

        Assert.Equal("""{"id":"orders","metadata":{"version_label":"1.0.0"}}""", text);
        Assert.Equal(Json.ContentHash.OfCanonical(text!), written.Trace.Version.Value);
        Assert.Equal("1.0.0", label);
    }

    [Fact]
    public async Task A_document_changed_outside_the_store_is_refused_on_read()
    {
        var id = BlueprintId.Parse("orders");
        await _store.WriteNewAsync(id, Blueprint.Parse("""{"id":"orders","n":1}"""), [], new CommitMetadata("seed"));
        await _schema.ExecuteAsync("""UPDATE {schema}.blueprint_versions SET canonical_json = '{"id":"orders","n":2}'""");

        var ex = await Assert.ThrowsAsync<StorageException>(() => _store.ReadHeadAsync(id));

        Assert.Contains("does not hash to its version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_read_once_is_served_again_but_a_row_damaged_after_that_read_is_still_refused()
    {
        var id = BlueprintId.Parse("orders");
        var written = await _store.WriteNewAsync(id, Blueprint.Parse("""{"id":"orders","n":1}"""), [], new CommitMetadata("seed"));
        var first = await _store.ReadHeadAsync(id);
        var second = await _store.ReadVersionAsync(id, written.Trace.Version);
        Assert.Same(first.Value, second.Value);

        await _schema.ExecuteAsync("""UPDATE {schema}.blueprint_versions SET canonical_json = '{"id":"orders","n":2}'""");
        var changed = await Assert.ThrowsAsync<StorageException>(() => _store.ReadHeadAsync(id));
        Assert.Contains("does not hash to its version", changed.Message, StringComparison.Ordinal);

        await _schema.ExecuteAsync("""UPDATE {schema}.blueprint_versions SET canonical_json = ' {"id":"orders","n":1}'""");
        var spaced = await Assert.ThrowsAsync<StorageException>(() => _store.ReadHeadAsync(id));
        Assert.Contains("does not hash to its version", spaced.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_writers_racing_on_one_head_leave_one_chain()
    {
        var id = BlueprintId.Parse("orders");
        var head = await _store.WriteNewAsync(id, Blueprint.Parse("""{"id":"orders","n":0}"""), [], new CommitMetadata("seed"));
        var other = new PostgresBlueprintStore(_schema.NewDatabase(_time));

        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(n => Task.Run(async () =>
        {
            var store = n % 2 == 0 ? _store : other;
            try
            {
                await store.WriteNewAsync(id, Blueprint.Parse($$"""{"id":"orders","n":{{n}}}"""), [head.Trace.Version], new CommitMetadata("race", IssueId: IssueId.Parse($"issue-{n}")));
                return true;
            }
            catch (ConflictException)
            {
                return false;
            }
        })));

        Assert.Equal(1, results.Count(r => r));
        var history = await _store.HistoryAsync(id, 10);
        Assert.Equal(2, history.Count);
        Assert.Equal([head.Trace.Version], history[0].Parents);
    }
}
