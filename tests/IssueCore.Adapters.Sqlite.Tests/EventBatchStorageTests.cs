using System.Globalization;
using System.Text.Json;
using IssueCore.Adapters.Sqlite;
using IssueCore.Council;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Sqlite.Tests;

/// <summary>
/// Council events are stored one row per append (a recorded run's events in one row, compressed when large): every
/// read, truncation and check behaves as with one row per event.
/// </summary>
public sealed class EventBatchStorageTests : IAsyncLifetime
{
    private readonly TempDatabase _temp = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private SqliteCouncilRepository _repo = null!;

    public Task InitializeAsync()
    {
        _repo = new SqliteCouncilRepository(_temp.Open(_time));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task A_recorded_run_is_one_compressed_row_and_reads_back_event_for_event()
    {
        var record = Record("r1", events: 40, waves: 4);

        await _repo.WriteRunAsync(record);
        var read = await ListAsync(record.Run.Id);

        Assert.Equal(1, await _temp.ScalarAsync<long>("SELECT count(*) FROM council_event_batches WHERE run_id = 'r1';"));
        Assert.Equal(SqliteEventBatch.BrotliEncoding, await _temp.ScalarAsync<long>("SELECT encoding FROM council_event_batches WHERE run_id = 'r1';"));
        Assert.True(await _temp.ScalarAsync<long>("SELECT length(body) * 2 < body_length FROM council_event_batches WHERE run_id = 'r1';") == 1);
        Assert.Equal(record.Events.Count, read.Count);
        for (var i = 0; i < read.Count; i++)
        {
            var (expected, actual) = (record.Events[i], read[i]);
            Assert.Equal((expected.Sequence, expected.Wave, expected.Kind, expected.NodeId, expected.Timestamp), (actual.Sequence, actual.Wave, actual.Kind, actual.NodeId, actual.Timestamp));
            Assert.Equal(expected.Payload.GetRawText(), actual.Payload.GetRawText());
        }
    }

    [Fact]
    public async Task Reading_after_a_sequence_inside_a_batch_starts_at_the_next_event()
    {
        var record = Record("r1", events: 18, waves: 3);
        await _repo.WriteRunAsync(record);

        var read = new List<long>();
        await foreach (var e in _repo.ListEventsAfterAsync(record.Run.Id, 7))
        {
            read.Add(e.Sequence);
        }

        Assert.Equal(Enumerable.Range(8, 11).Select(i => (long)i), read);
    }

    [Fact]
    public async Task A_truncation_that_cuts_a_batch_keeps_its_earlier_waves_and_later_appends_number_on()
    {
        var record = Record("r1", events: 12, waves: 4);
        await _repo.WriteRunAsync(record);

        var deleted = await _repo.TruncateEventsAfterWaveAsync(record.Run.Id, 1);
        var appended = await _repo.AppendEventAsync(new CouncilRunEventDraft(record.Run.Id, 2, "step.started", "n", JsonDocument.Parse("{}").RootElement));
        var read = await ListAsync(record.Run.Id);

        var kept = record.Events.Where(e => e.Wave <= 1).Select(e => e.Sequence).ToList();
        Assert.Equal(record.Events.Count - kept.Count, deleted);
        Assert.Equal(13, appended.Sequence);
        Assert.Equal([.. kept, 13L], read.Select(e => e.Sequence));
        Assert.Equal(record.Events.Where(e => e.Wave <= 1).Select(e => e.Payload.GetRawText()), read.Take(kept.Count).Select(e => e.Payload.GetRawText()));
    }

    [Fact]
    public async Task Events_of_many_appends_are_listed_across_read_pages_in_order()
    {
        var run = CouncilRunId.Parse("r1");
        await _repo.CreateRunAsync(new CouncilRun { Id = run, FlowId = "f", Status = CouncilRunStatus.Running, CreatedAt = _time.GetUtcNow(), UpdatedAt = _time.GetUtcNow() });
        for (var i = 0; i < 70; i++)
        {
            var drafts = Enumerable.Range(0, 1 + (i % 3)).Select(k => new CouncilRunEventDraft(run, i, "step.completed", null, Payload(i, k))).ToList();
            await _repo.AppendEventsAsync(drafts);
        }

        var read = await ListAsync(run);

        Assert.Equal(70 + 23 + (2 * 23), read.Count);
        Assert.Equal(Enumerable.Range(1, read.Count).Select(i => (long)i), read.Select(e => e.Sequence));
        Assert.All(read, e => Assert.Null(e.NodeId));
    }

    [Theory]
    [InlineData("encoding = 7")]
    [InlineData("body = CAST('not json' AS BLOB), encoding = 0")]
    [InlineData("body_length = body_length + 1")]
    [InlineData("body_length = 9000000000")]
    public async Task A_damaged_batch_is_a_storage_error_naming_the_run(string damage)
    {
        var record = Record("r1", events: 18, waves: 3);
        await _repo.WriteRunAsync(record);
        await _temp.ExecuteAsync("PRAGMA ignore_check_constraints = ON; UPDATE council_event_batches SET " + damage + " WHERE run_id = 'r1';");

        var ex = await Assert.ThrowsAsync<StorageException>(() => ListAsync(record.Run.Id));

        Assert.Contains("'r1'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_of_schema_9_keeps_its_events_as_batches_of_one_that_read_truncate_and_append_as_before()
    {
        await using var old = new TempDatabase();
        foreach (var migration in SqliteSchema.Migrations.Where(m => string.CompareOrdinal(m.Name, "0010") < 0))
        {
            await old.ExecuteAsync(migration.Sql);
        }

        await old.ExecuteAsync(
            "PRAGMA user_version = 9;" +
            "INSERT INTO council_runs (run_id, flow_id, status, last_sequence, created_at, updated_at) VALUES ('old', 'f', 'interrupted', 4, 1, 1);" +
            "INSERT INTO council_events (run_id, sequence, wave, kind, node_id, payload, timestamp) VALUES " +
            "('old', 1, 0, 'step.started', 'n0', '{}', 10), ('old', 2, 0, 'step.completed', 'n0', '{\"output\":{\"text\":\"d\u00E9j\u00E0 \\u0027x\\u0027\",\"n\":1.50}}', 11), " +
            "('old', 3, 1, 'wave.completed', NULL, '{}', 12), ('old', 4, 2, 'step.started', 'n1', '[1,2]', 13);");

        var repository = new SqliteCouncilRepository(old.Open());
        var id = CouncilRunId.Parse("old");
        var before = new List<CouncilRunEvent>();
        await foreach (var e in repository.ListEventsAsync(id))
        {
            before.Add(e);
        }

        var deleted = await repository.TruncateEventsAfterWaveAsync(id, 1);
        var next = await repository.AppendEventAsync(new CouncilRunEventDraft(id, 2, "step.started", "n1", JsonDocument.Parse("{}").RootElement));

        Assert.Equal(SqliteSchema.LatestVersion, await old.ScalarAsync<long>("PRAGMA user_version;"));
        Assert.Equal(0, await old.ScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name = 'council_events';"));
        Assert.Equal([1L, 2L, 3L, 4L], before.Select(e => e.Sequence));
        Assert.Equal(["n0", "n0", null, "n1"], before.Select(e => e.NodeId));
        Assert.Equal([10L, 11L, 12L, 13L], before.Select(e => e.Timestamp.UtcTicks));
        Assert.Equal("d\u00E9j\u00E0 'x'", before[1].Payload.GetProperty("output").GetProperty("text").GetString());
        Assert.Equal(1.50m, before[1].Payload.GetProperty("output").GetProperty("n").GetDecimal());
        Assert.Equal(JsonValueKind.Array, before[3].Payload.ValueKind);
        Assert.Equal(1, deleted);
        Assert.Equal(5, next.Sequence);
    }

    private CouncilRunRecord Record(string id, int events, int waves)
    {
        var runId = CouncilRunId.Parse(id);
        var now = _time.GetUtcNow();
        var list = new List<CouncilRunEvent>();
        for (var i = 1; i <= events; i++)
        {
            var wave = (i - 1) * waves / events;
            list.Add(new CouncilRunEvent(runId, i, wave, i % 2 == 0 ? "step.completed" : "step.started", i % 5 == 0 ? null : $"$.flow.children[{wave}]", Payload(i, wave), now.AddTicks(i)));
        }

        return new CouncilRunRecord
        {
            Run = new CouncilRun { Id = runId, FlowId = "enhance-default", Status = CouncilRunStatus.Completed, CreatedAt = now, UpdatedAt = now },
            Events = list,
        };
    }

    // Payloads as the engine writes them: node paths and outputs, with escapes and non-ASCII text kept byte for byte.
    private static JsonElement Payload(int i, int wave) => JsonDocument.Parse(string.Create(
        CultureInfo.InvariantCulture,
        $$$"""{"node":"$.flow.children[{{{wave}}}]","agent":"verifier-router","output":{"axis":"des","status":"pass","n":{{{i}}},"detail":"caf\u00E9 \u0027{{{i}}}\u0027 ✓"}}""")).RootElement.Clone();

    private async Task<List<CouncilRunEvent>> ListAsync(CouncilRunId run)
    {
        var events = new List<CouncilRunEvent>();
        await foreach (var e in _repo.ListEventsAsync(run))
        {
            events.Add(e);
        }

        return events;
    }
}
