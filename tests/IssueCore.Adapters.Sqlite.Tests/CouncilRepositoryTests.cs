using System.Text.Json;
using IssueCore.Adapters.Sqlite;
using IssueCore.Council;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class CouncilRepositoryTests : IAsyncLifetime
{
    private static readonly JsonElement Payload = JsonDocument.Parse("{\"k\":1}").RootElement;
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
    public async Task Sequences_count_from_one_and_keep_counting_after_a_truncation()
    {
        var run = await CreateRunAsync("r1");
        for (var wave = 0; wave < 4; wave++)
        {
            await _repo.AppendEventAsync(new CouncilRunEventDraft(run, wave, "step.completed", "n", Payload));
        }

        var deleted = await _repo.TruncateEventsAfterWaveAsync(run, 1);
        var next = await _repo.AppendEventAsync(new CouncilRunEventDraft(run, 2, "step.started", "n", Payload));
        var events = await ListEventsAsync(run);

        Assert.Equal(2, deleted);
        Assert.Equal(5, next.Sequence);
        Assert.Equal([1L, 2L, 5L], events.Select(e => e.Sequence));
        Assert.Equal(_time.GetUtcNow(), next.Timestamp);
    }

    [Fact]
    public async Task A_duplicate_sequence_is_an_error_and_nothing_is_written()
    {
        var run = await CreateRunAsync("r1");
        await _temp.ExecuteAsync(
            "INSERT INTO council_event_batches (run_id, first_sequence, last_sequence, events, min_wave, max_wave, encoding, body_length, body) " +
            "VALUES ('r1', 1, 1, 1, 0, 0, 0, 50, CAST('[{\"s\":0,\"w\":0,\"k\":\"forged\",\"n\":null,\"t\":0,\"p\":{}}]' AS BLOB));");

        await Assert.ThrowsAsync<ConflictException>(() => _repo.AppendEventAsync(new CouncilRunEventDraft(run, 0, "step.started", "n", Payload)));

        Assert.Equal(["forged"], (await ListEventsAsync(run)).Select(e => e.Kind));
        Assert.Equal(0, await _temp.ScalarAsync<int>("SELECT last_sequence FROM council_runs WHERE run_id = 'r1';"));
    }

    [Fact]
    public async Task Status_transitions_are_checked_and_a_terminal_run_does_not_move()
    {
        var run = await CreateRunAsync("r1");

        await _repo.UpdateRunStatusAsync(run, CouncilRunStatus.AwaitingApproval);
        await Assert.ThrowsAsync<ConflictException>(() => _repo.UpdateRunStatusAsync(run, CouncilRunStatus.Completed));
        await _repo.UpdateRunStatusAsync(run, CouncilRunStatus.Running);
        await _repo.UpdateRunStatusAsync(run, CouncilRunStatus.Completed);

        await Assert.ThrowsAsync<ConflictException>(() => _repo.UpdateRunStatusAsync(run, CouncilRunStatus.Running));
        await Assert.ThrowsAsync<NotFoundException>(() => _repo.UpdateRunStatusAsync(CouncilRunId.Parse("none"), CouncilRunStatus.Running));
        Assert.Equal(CouncilRunStatus.Completed, (await _repo.GetRunAsync(run))?.Status);
    }

    [Fact]
    public async Task Mark_interrupted_moves_only_running_runs_and_lists_are_newest_first()
    {
        var a = await CreateRunAsync("a");
        _time.Advance(TimeSpan.FromSeconds(1));
        var b = await CreateRunAsync("b");
        _time.Advance(TimeSpan.FromSeconds(1));
        var c = await CreateRunAsync("c");
        await _repo.UpdateRunStatusAsync(b, CouncilRunStatus.Failed);

        var marked = await _repo.MarkInterruptedRunsAsync();
        var all = new List<CouncilRunId>();
        await foreach (var run in _repo.ListRunsAsync())
        {
            all.Add(run.Id);
        }

        var interrupted = new List<CouncilRunId>();
        await foreach (var run in _repo.ListRunsAsync(CouncilRunStatus.Interrupted))
        {
            interrupted.Add(run.Id);
        }

        Assert.Equal(2, marked);
        Assert.Equal([c, b, a], all);
        Assert.Equal([c, a], interrupted);
    }

    [Fact]
    public async Task Graph_updates_round_trip_and_missing_runs_are_not_found()
    {
        var run = await CreateRunAsync("r1");
        var graph = JsonDocument.Parse("{\"nodes\":[{\"id\":\"n\",\"done\":true}]}").RootElement;

        await _repo.UpdateGraphAsync(run, graph);
        await Assert.ThrowsAsync<NotFoundException>(() => _repo.UpdateGraphAsync(CouncilRunId.Parse("none"), graph));
        await Assert.ThrowsAsync<NotFoundException>(() => _repo.AppendEventAsync(new CouncilRunEventDraft(CouncilRunId.Parse("none"), 0, "k", null, Payload)));
        await Assert.ThrowsAsync<NotFoundException>(() => _repo.TruncateEventsAfterWaveAsync(CouncilRunId.Parse("none"), 0));
        await Assert.ThrowsAsync<ConflictException>(() => CreateRunAsync("r1"));

        Assert.Equal(graph.GetRawText(), (await _repo.GetRunAsync(run))?.Graph?.GetRawText());
    }

    [Fact]
    public async Task Parallel_appends_to_one_run_get_distinct_gapless_sequences()
    {
        var run = await CreateRunAsync("r1");

        var appended = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() => _repo.AppendEventAsync(new CouncilRunEventDraft(run, i % 3, "k", null, Payload)))));

        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), appended.Select(e => e.Sequence).Order());
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), (await ListEventsAsync(run)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Runs_with_equal_creation_times_list_across_pages_newest_insert_first_without_loss()
    {
        var ids = new List<CouncilRunId>();
        for (var i = 0; i < 600; i++)
        {
            ids.Add(await CreateRunAsync($"r{i:D3}"));
        }

        var listed = new List<CouncilRunId>();
        await foreach (var run in _repo.ListRunsAsync(CouncilRunStatus.Running))
        {
            listed.Add(run.Id);
        }

        ids.Reverse();
        Assert.Equal(ids, listed);
    }

    private async Task<CouncilRunId> CreateRunAsync(string id)
    {
        var runId = CouncilRunId.Parse(id);
        var now = _time.GetUtcNow();
        await _repo.CreateRunAsync(new CouncilRun { Id = runId, FlowId = "enhance-default", Status = CouncilRunStatus.Running, CreatedAt = now, UpdatedAt = now });
        return runId;
    }

    private async Task<List<CouncilRunEvent>> ListEventsAsync(CouncilRunId run)
    {
        var events = new List<CouncilRunEvent>();
        await foreach (var e in _repo.ListEventsAsync(run))
        {
            events.Add(e);
        }

        return events;
    }
}
