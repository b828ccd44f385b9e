using System.Globalization;
using System.Text.Json;
using IssueCore.Client;
using IssueCore.Issues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace IssueCore.Adapters.Nats.Sinks;

/// <summary>
/// Emits issue requests over NATS JetStream: each request is published as JSON on
/// <c>{SubjectPrefix}.{target_repo}</c> (<c>act.tasks.create.myrepo</c>) with the triggering event id
/// as <c>Nats-Msg-Id</c>, so JetStream drops a repeat within its duplicate window, and the publish
/// ack is awaited. A missing ack (no stream, timeout, connection trouble) is retried up to
/// <see cref="NatsIssueSinkOptions.MaxAttempts"/>; an error ack is refused at once. Both surface as an
/// <see cref="IssueSinkException"/>. Thread-safe.
/// </summary>
/// <remarks>
/// NATS is asynchronous: the issue is created later by the ingestion consumer, so this sink cannot
/// return the issue's id. <see cref="EmitAsync"/> returns a receipt in the shape of an
/// <see cref="IssueReference"/> whose <see cref="IssueReference.IssueId"/> names the stored message
/// (<c>nats:{stream}:{sequence}</c>) and whose <see cref="IssueReference.Backend"/> is <c>nats</c>;
/// look the issue up later by the triggering event id (its idempotency key). Use
/// <see cref="PublishAsync"/> for the JetStream receipt itself.
/// </remarks>
public sealed partial class NatsIssueSink : IIssueSink
{
    /// <summary>The <see cref="IssueReference.Backend"/> of the references this sink returns.</summary>
    public const string BackendName = "nats";

    private readonly NatsJSContext _js;
    private readonly NatsIssueSinkOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the sink over a connection the caller owns.</summary>
    /// <param name="connection">The NATS connection.</param>
    /// <param name="options">The options; the defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">Times ack timeouts and retry pauses; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">Receives retry and failure entries.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public NatsIssueSink(INatsConnection connection, NatsIssueSinkOptions? options = null, TimeProvider? timeProvider = null, ILogger<NatsIssueSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new NatsIssueSinkOptions();
        var failures = NatsIssueSinkOptionsValidator.Failures(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _js = new NatsJSContext(connection);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    /// <remarks>The returned reference is a receipt for the stored message, not the issue: see the class remarks.</remarks>
    public async Task<IssueReference> EmitAsync(IssueSinkRequest request, CancellationToken cancellationToken = default)
    {
        var receipt = await PublishAsync(request, cancellationToken).ConfigureAwait(false);
        var text = string.Create(CultureInfo.InvariantCulture, $"nats:{receipt.Stream}:{receipt.Sequence}");
        var id = IssueId.TryParse(text, null, out var parsed)
            ? parsed
            : IssueId.Parse(string.Create(CultureInfo.InvariantCulture, $"nats:{receipt.Sequence}"));
        return new IssueReference
        {
            IssueId = id,
            Backend = BackendName,
            Created = !receipt.Duplicate,
        };
    }

    /// <summary>Publishes one request and waits for JetStream to store it.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the call (also between attempts).</param>
    /// <returns>JetStream's receipt.</returns>
    /// <exception cref="IssueSinkException">
    /// The request cannot be sent (its target repository is not a subject token sequence), JetStream
    /// refused it (an error ack: <see cref="IssueSinkException.IsTransient"/> is <see langword="false"/>
    /// and <see cref="IssueSinkException.Problem"/> carries the error), or no ack arrived after every
    /// attempt (<see cref="IssueSinkException.IsTransient"/> is <see langword="true"/>).
    /// </exception>
    public async Task<NatsIssuePublishResult> PublishAsync(IssueSinkRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var subject = _options.SubjectPrefix + "." + request.TargetRepo;
        if (!NatsSubjects.IsValid(subject, allowWildcards: false))
        {
            throw new IssueSinkException(
                $"The target repository '{request.TargetRepo}' cannot be part of a NATS subject (no whitespace, '*', '>' or empty '.'-separated parts).",
                null,
                new IssueSinkProblem(null, "Invalid target repository", null, null, [new ValidationError("$.target_repo", "Not usable in a NATS subject.")]),
                attempts: 0,
                isTransient: false);
        }

        if (string.IsNullOrEmpty(request.TriggeringEventId))
        {
            throw new IssueSinkException(
                "The triggering event id is required: it is the message id JetStream de-duplicates by.",
                null,
                new IssueSinkProblem(null, "Missing triggering event id", null, null, [new ValidationError("$.triggering_event_id", "Required.")]),
                attempts: 0,
                isTransient: false);
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(NatsWireIssueRequest.From(request), NatsSinkJsonContext.Default.NatsWireIssueRequest);
        var headers = new NatsHeaders { ["Content-Type"] = "application/json" };
        var publishOptions = new NatsJSPubOpts
        {
            MsgId = request.TriggeringEventId,
            ExpectedStream = _options.ExpectedStream,
        };

        Exception? lastError = null;
        for (var attempt = 1; ; attempt++)
        {
            using (var timeout = new CancellationTokenSource(_options.AckTimeout, _timeProvider))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    var ack = await _js.PublishAsync(subject, body, NatsRawSerializer<byte[]>.Default, publishOptions, headers, linked.Token).ConfigureAwait(false);
                    if (ack.Error is { } error)
                    {
                        throw Refused(request, subject, error.Code, error.ErrCode, error.Description, attempt, null);
                    }

                    return new NatsIssuePublishResult(ack.Stream ?? string.Empty, ack.Seq, ack.Duplicate, subject, request.TriggeringEventId);
                }
                catch (NatsJSApiException ex) when (ex.Error.Code != 503)
                {
                    throw Refused(request, subject, ex.Error.Code, ex.Error.ErrCode, ex.Error.Description, attempt, ex);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    lastError = new TimeoutException($"No publish ack arrived within {_options.AckTimeout}.", ex);
                }
                catch (NatsException ex)
                {
                    // No responders (no stream on the subject), no reply, 503 or a connection problem.
                    lastError = ex;
                }
            }

            if (attempt >= _options.MaxAttempts)
            {
                LogGaveUp(_logger, subject, request.TriggeringEventId, attempt, lastError);
                throw new IssueSinkException(
                    $"No publish ack for '{subject}' after {attempt} attempt(s): {lastError?.Message}",
                    null,
                    null,
                    attempt,
                    isTransient: true,
                    lastError);
            }

            LogRetrying(_logger, subject, request.TriggeringEventId, attempt, _options.RetryDelay.TotalMilliseconds, lastError);
            if (_options.RetryDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.RetryDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private IssueSinkException Refused(IssueSinkRequest request, string subject, int code, int errCode, string? description, int attempt, Exception? inner)
    {
        LogRefused(_logger, subject, request.TriggeringEventId, code, errCode, description);
        var problem = new IssueSinkProblem(
            string.Create(CultureInfo.InvariantCulture, $"urn:nats:jetstream:error:{errCode}"),
            "JetStream refused the publish",
            code,
            description,
            []);
        return new IssueSinkException($"JetStream refused '{subject}' ({code}/{errCode}): {description}", code, problem, attempt, isTransient: false, inner);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Publishing {Subject} (triggering event {TriggeringEventId}) got no ack on attempt {Attempt}; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string subject, string triggeringEventId, int attempt, double delayMs, Exception? exception);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Publishing {Subject} (triggering event {TriggeringEventId}) gave up after {Attempt} attempts")]
    private static partial void LogGaveUp(ILogger logger, string subject, string triggeringEventId, int attempt, Exception? exception);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "JetStream refused {Subject} (triggering event {TriggeringEventId}): {Code}/{ErrCode} {Description}")]
    private static partial void LogRefused(ILogger logger, string subject, string triggeringEventId, int code, int errCode, string? description);
}
