using System.Text.Json;
using IssueCore.Council;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Council;

public sealed class EventSequenceTests : IAsyncLifetime
{
    private readonly PostgresTestSchema _schema = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
    private PostgresCouncilRepository _repository = null!;

    public async Task InitializeAsync() => _repository = new PostgresCouncilRepository(await _schema.CreateDatabaseAsync(_time));

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_sequence_number_already_taken_is_reported_as_a_conflict_never_dropped()
    {
        var runId = await CreateRunAsync();
        await AppendAsync(runId, wave: 0);
        // Simulate a row that took the next number behind the counter's back.
        await _schema.ExecuteAsync($"INSERT INTO {{schema}}.council_run_events (run_id, sequence, wave, kind, payload, logged_at) VALUES ('{runId}', 2, 0, 'foreign', '{{}}', now())");

        await Assert.ThrowsAsync<ConflictException>(() => AppendAsync(runId, wave: 0));

        var events = await _repository.ListEventsAsync(runId).ToListAsync();
        Assert.Equal([1L, 2L], events.Select(e => e.Sequence));
        Assert.Equal("foreign", events[1].Kind);
    }

    [Fact]
    public async Task Numbers_keep_counting_after_a_truncation_from_another_host()
    {
        var runId = await CreateRunAsync();
        var otherHost = new PostgresCouncilRepository(_schema.NewDatabase(_time));
        await AppendAsync(runId, wave: 0);
        await AppendAsync(runId, wave: 1);
        await AppendAsync(runId, wave: 2);

        var deleted = await otherHost.TruncateEventsAfterWaveAsync(runId, 0);
        var next = await AppendAsync(runId, wave: 1);

        Assert.Equal(2, deleted);
        Assert.Equal(4, next.Sequence);
        Assert.Equal([1L, 4L], (await otherHost.ListEventsAsync(runId).ToListAsync()).Select(e => e.Sequence));
    }

    private async Task<CouncilRunId> CreateRunAsync()
    {
        var id = CouncilRunId.New();
        await _repository.CreateRunAsync(new CouncilRun
        {
            Id = id,
            FlowId = "enhance-default",
            Status = CouncilRunStatus.Running,
            CreatedAt = _time.GetUtcNow(),
            UpdatedAt = _time.GetUtcNow(),
        });
        return id;
    }

    private Task<CouncilRunEvent> AppendAsync(CouncilRunId runId, int wave)
    {
        using var payload = JsonDocument.Parse("""{"step":"x"}""");
        return _repository.AppendEventAsync(new CouncilRunEventDraft(runId, wave, "step.completed", "x", payload.RootElement.Clone()));
    }
}
