using System.Text.Json;
using IssueCore.Issues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IssueCore.Client;

/// <summary>
/// The dry-run sink: renders each request exactly as the HTTP sink would send it, logs it, keeps the
/// most recent ones in <see cref="Emitted"/>, and returns a synthetic <c>null-&lt;guid&gt;</c>
/// reference. Nothing leaves the process. Thread-safe.
/// </summary>
public sealed partial class NullIssueSink : IIssueSink
{
    private readonly Queue<EmittedIssue> _emitted = new();
    private readonly Lock _gate = new();
    private readonly int _historyLimit;
    private readonly ILogger _logger;

    /// <summary>Creates the sink.</summary>
    /// <param name="historyLimit">How many rendered requests to keep (oldest dropped first); 0 keeps none.</param>
    /// <param name="logger">Receives one information entry per request; none when <see langword="null"/>.</param>
    public NullIssueSink(int historyLimit = 1000, ILogger<NullIssueSink>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(historyLimit);
        _historyLimit = historyLimit;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The most recent requests, oldest first (a snapshot).</summary>
    public IReadOnlyList<EmittedIssue> Emitted
    {
        get
        {
            lock (_gate)
            {
                return [.. _emitted];
            }
        }
    }

    /// <inheritdoc />
    public Task<IssueReference> EmitAsync(IssueSinkRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var rendered = JsonSerializer.Serialize(WireIssueRequest.From(request), IssueSinkJsonContext.Default.WireIssueRequest);
        var reference = new IssueReference
        {
            IssueId = IssueId.Parse("null-" + Guid.NewGuid().ToString("N")),
            Backend = "null",
            Created = true,
        };

        LogRendered(_logger, reference.IssueId.Value, request.SourceId, request.TriggeringEventId, rendered);
        if (_historyLimit > 0)
        {
            lock (_gate)
            {
                _emitted.Enqueue(new EmittedIssue(reference, rendered));
                while (_emitted.Count > _historyLimit)
                {
                    _emitted.Dequeue();
                }
            }
        }

        return Task.FromResult(reference);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Dry run: issue {IssueId} not sent (source {SourceId}, triggering event {TriggeringEventId}): {Request}")]
    private static partial void LogRendered(ILogger logger, string issueId, string sourceId, string triggeringEventId, string request);
}
