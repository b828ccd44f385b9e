using IssueCore.Ingestion;

namespace IssueCore.Adapters.Nats.Tests.Ingestion;

/// <summary>
/// Passes the first <c>allowed</c> requests to the real ingestion service, then holds the next one
/// until the consumer is stopped: a deterministic "stop mid-stream".
/// </summary>
internal sealed class GatedIngestion(IIssueIngestionService inner, int allowed) : IIssueIngestionService
{
    private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    /// <summary>Completes when a request beyond the allowance arrives (and is being held).</summary>
    public Task Blocked => _blocked.Task;

    public Task<IngestionResult> IngestAsync(IngestionRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("The NATS consumer ingests JSON.");

    public async Task<IngestionResult> IngestJsonAsync(ReadOnlyMemory<byte> utf8Json, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) > allowed)
        {
            _blocked.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, cancellationToken);
        }

        return await inner.IngestJsonAsync(utf8Json, idempotencyKey, cancellationToken);
    }
}
