using System.Globalization;
using System.Text;
using IssueCore.Ingestion;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace IssueCore.Adapters.Nats.Ingestion;

/// <summary>
/// The hosted JetStream consumer: pulls from the durable consumer and hands every message to
/// <see cref="IIssueIngestionService.IngestJsonAsync"/> without an explicit key, so the request's
/// <c>triggering_event_id</c> is its idempotency key, as on every other transport (the
/// <c>Nats-Msg-Id</c> header only drives JetStream's own duplicate window). Success is acked; a
/// request that can never succeed (<see cref="ValidationException"/>) is copied to the dead-letter
/// stream and terminated at once; a transient failure is nak'ed with <see cref="NatsIngestionOptions.NakDelay"/>, and
/// dead-lettered on its last allowed delivery: the durable consumer's own max deliver as the server
/// reports it (so a consumer managed elsewhere with another limit is honoured), or
/// <see cref="NatsIngestionOptions.MaxDeliver"/> when the consumer sets no limit. It never throws
/// into the host: connection, provisioning and consumer failures are logged and retried after
/// <see cref="NatsIngestionOptions.RetryDelay"/>.
/// </summary>
internal sealed partial class NatsIngestionWorker : BackgroundService
{
    private const string MsgIdHeader = "Nats-Msg-Id";
    private const string TraceParentHeader = "traceparent";
    private const int MaxReasonLength = 1024;
    private const int DeadLetterAttempts = 3;

    private readonly IIssueIngestionService _ingestion;
    private readonly NatsIngestionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;

    public NatsIngestionWorker(
        IIssueIngestionService ingestion,
        IOptions<NatsIngestionOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ingestion = ingestion;
        _options = options.Value;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<NatsIngestionWorker>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var natsOptions = NatsConnectionOptions.Build(_options.Url, _options.ConnectionName, _options.Security, _loggerFactory);

        var connection = new NatsConnection(natsOptions);
        await using (connection.ConfigureAwait(false))
        {
            var js = new NatsJSContext(connection);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ConsumeAsync(js, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    LogConsumerFailed(_logger, _options.StreamName, _options.ConsumerName, _options.RetryDelay.TotalMilliseconds, ex);
                }

                try
                {
                    await Task.Delay(_options.RetryDelay, _timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        LogStopped(_logger, _options.StreamName, _options.ConsumerName);
    }

    private async Task ConsumeAsync(NatsJSContext js, CancellationToken stoppingToken)
    {
        INatsJSConsumer consumer;
        if (_options.ProvisionTopology)
        {
            consumer = await NatsIngestionTopology.ProvisionAsync(js, _options, stoppingToken).ConfigureAwait(false);
        }
        else
        {
            consumer = await js.GetConsumerAsync(_options.StreamName, _options.ConsumerName, stoppingToken).ConfigureAwait(false);
        }

        var maxDeliver = MaxDeliver(consumer.Info);
        LogConsuming(_logger, _options.StreamName, _options.ConsumerName, _options.FilterSubject, maxDeliver);
        var consumeOptions = new NatsJSConsumeOpts { MaxMsgs = _options.BatchSize };
        await foreach (var msg in consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, consumeOptions, stoppingToken).ConfigureAwait(false))
        {
            await HandleAsync(js, consumer, msg, stoppingToken).ConfigureAwait(false);
        }
    }

    internal async Task HandleAsync(INatsJSContext js, INatsJSConsumer consumer, INatsJSMsg<byte[]> msg, CancellationToken stoppingToken)
    {
        var delivered = msg.Metadata is { } metadata ? (int)Math.Min(metadata.NumDelivered, int.MaxValue) : 1;
        try
        {
            // No explicit key: the body's triggering_event_id is the key, exactly as for an HTTP request
            // without an Idempotency-Key. A publisher's own Nats-Msg-Id (one per publish, or any text)
            // must neither split one event into two issues nor fail key validation.
            // A W3C traceparent header is stored with the issue, so its dispatch continues the publisher's trace.
            var transport = new IngestionContext
            {
                TraceParent = msg.Headers is { } headers && headers.TryGetLastValue(TraceParentHeader, out var traceParent) ? traceParent : null,
            };
            // Without one, the original member: a service written before IngestTransportJsonAsync existed is called as before.
            var result = transport.TraceParent is null
                ? await _ingestion.IngestJsonAsync(msg.Data ?? [], idempotencyKey: null, stoppingToken).ConfigureAwait(false)
                : await _ingestion.IngestTransportJsonAsync(msg.Data ?? [], transport, stoppingToken).ConfigureAwait(false);
            await msg.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            LogIngested(_logger, msg.Subject, result.IssueId.Value, result.Created, delivered);
        }
        catch (ValidationException ex)
        {
            LogInvalid(_logger, msg.Subject, ex.Message);
            await DeadLetterAsync(js, msg, NatsDeadLetterHeaders.KindInvalid, ex.Message, delivered, stoppingToken).ConfigureAwait(false);
        }
        catch (ConflictException ex)
        {
            // The idempotency key was already used for a different payload: every redelivery meets the same stored
            // issue, so retrying can never succeed. Dead-letter it at once with the reason.
            LogConflict(_logger, msg.Subject, delivered, ex.Message);
            await DeadLetterAsync(js, msg, NatsDeadLetterHeaders.KindConflict, ex.Message, delivered, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down mid-ingestion: hand the message back at once. Ingestion is idempotent, so
            // a request that was stored before the cancellation is not stored twice on redelivery.
            await TryNakAsync(msg, TimeSpan.Zero).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex)
        {
            // The server stops delivering after the consumer's max deliver, whatever the options say:
            // ask it for the current limit, so the last delivery is always the one dead-lettered.
            var maxDeliver = await CurrentMaxDeliverAsync(consumer, stoppingToken).ConfigureAwait(false);
            if (delivered >= maxDeliver)
            {
                LogExhausted(_logger, msg.Subject, delivered, ex);
                await DeadLetterAsync(js, msg, NatsDeadLetterHeaders.KindExhausted, ex.Message, delivered, stoppingToken).ConfigureAwait(false);
            }
            else
            {
                LogTransient(_logger, msg.Subject, delivered, maxDeliver, _options.NakDelay.TotalMilliseconds, ex);
                await TryNakAsync(msg, _options.NakDelay).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The consumer's max deliver, refreshed from the server (an operator may have changed it since the
    /// consumer was looked up); the last known value when the server cannot be asked.
    /// </summary>
    private async Task<int> CurrentMaxDeliverAsync(INatsJSConsumer consumer, CancellationToken stoppingToken)
    {
        try
        {
            await consumer.RefreshAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Best effort: the decision still needs an answer when the server is unreachable.
            LogRefreshFailed(_logger, _options.StreamName, _options.ConsumerName, ex);
        }

        return MaxDeliver(consumer.Info);
    }

    /// <summary>The consumer's own max deliver; <see cref="NatsIngestionOptions.MaxDeliver"/> when it has none (unlimited).</summary>
    private int MaxDeliver(ConsumerInfo info)
        => info.Config.MaxDeliver > 0 ? (int)Math.Min(info.Config.MaxDeliver, int.MaxValue) : _options.MaxDeliver;

    private async Task DeadLetterAsync(INatsJSContext js, INatsJSMsg<byte[]> msg, string kind, string reason, int delivered, CancellationToken stoppingToken)
    {
        var stream = msg.Metadata?.Stream ?? _options.StreamName;
        var sequence = msg.Metadata?.Sequence.Stream ?? 0;
        var headers = new NatsHeaders();
        if (msg.Headers is { } original)
        {
            foreach (var header in original)
            {
                // JetStream's own headers (Nats-Msg-Id, Nats-Expected-*...) would steer the
                // dead-letter publish; the original id is kept under its own name below.
                if (!header.Key.StartsWith("Nats-", StringComparison.OrdinalIgnoreCase))
                {
                    headers[header.Key] = header.Value;
                }
            }

            if (original.TryGetLastValue(MsgIdHeader, out var originalId) && !string.IsNullOrEmpty(originalId))
            {
                headers[NatsDeadLetterHeaders.OriginalMessageId] = originalId;
            }
        }

        headers[NatsDeadLetterHeaders.Reason] = OneLine(reason);
        headers[NatsDeadLetterHeaders.Kind] = kind;
        headers[NatsDeadLetterHeaders.OriginalSubject] = msg.Subject;
        headers[NatsDeadLetterHeaders.OriginalStream] = stream;
        headers[NatsDeadLetterHeaders.OriginalSequence] = sequence.ToString(CultureInfo.InvariantCulture);
        headers[NatsDeadLetterHeaders.DeliveryCount] = delivered.ToString(CultureInfo.InvariantCulture);

        var subject = NatsIngestionTopology.DeadLetterSubject(_options, msg.Subject);

        // The id makes a repeated dead-letter publish (after a crash before the terminate) a duplicate.
        var publishOptions = new NatsJSPubOpts
        {
            MsgId = string.Create(CultureInfo.InvariantCulture, $"{stream}:{sequence}"),
            ExpectedStream = _options.DeadLetterStreamName,
        };

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var ack = await js.PublishAsync(subject, msg.Data ?? [], NatsRawSerializer<byte[]>.Default, publishOptions, headers, stoppingToken).ConfigureAwait(false);
                if (ack.Error is { } error)
                {
                    // A duplicate is fine (an earlier attempt stored it); an error ack is not.
                    throw new NatsJSApiException(error);
                }

                await msg.AckTerminateAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                LogDeadLettered(_logger, msg.Subject, stream, sequence, subject, kind);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: stop retrying and hand the message back. A publish that landed before
                // the cancellation is a duplicate (same message id) when the dead letter is retried.
                LogDeadLetterStopped(_logger, msg.Subject, stream, sequence, attempt);
                await TryNakAsync(msg, TimeSpan.Zero).ConfigureAwait(false);
                throw;
            }
            catch (Exception ex) when (attempt < DeadLetterAttempts)
            {
                LogDeadLetterRetry(_logger, msg.Subject, stream, sequence, attempt, ex);
                try
                {
                    await Task.Delay(_options.RetryDelay, _timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    LogDeadLetterStopped(_logger, msg.Subject, stream, sequence, attempt);
                    await TryNakAsync(msg, TimeSpan.Zero).ConfigureAwait(false);
                    throw;
                }
            }
            catch (Exception ex)
            {
                // Not terminated: the server redelivers it while deliveries remain; after the last
                // one it stays in the stream (and the server raises its max-deliveries advisory).
                LogDeadLetterFailed(_logger, msg.Subject, stream, sequence, ex);
                await TryNakAsync(msg, _options.NakDelay).ConfigureAwait(false);
                return;
            }
        }
    }

    private async Task TryNakAsync(INatsJSMsg<byte[]> msg, TimeSpan delay)
    {
        try
        {
            await msg.NakAsync(delay: delay, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection is going away; the server redelivers after the ack wait anyway.
            LogNakFailed(_logger, msg.Subject, ex);
        }
    }

    /// <summary>Header values are one line of printable text.</summary>
    private static string OneLine(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxReasonLength));
        foreach (var c in text)
        {
            if (builder.Length >= MaxReasonLength)
            {
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Consuming {Stream}/{Consumer} on {FilterSubject} (max deliver {MaxDeliver})")]
    private static partial void LogConsuming(ILogger logger, string stream, string consumer, string filterSubject, int maxDeliver);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Ingested {Subject} as issue {IssueId} (created {Created}, delivery {Delivered})")]
    private static partial void LogIngested(ILogger logger, string subject, string issueId, bool created, int delivered);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Invalid ingestion request on {Subject}: {Reason}")]
    private static partial void LogInvalid(ILogger logger, string subject, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Ingestion of {Subject} failed on delivery {Delivered} of {MaxDeliver}; redelivery in {DelayMs} ms")]
    private static partial void LogTransient(ILogger logger, string subject, int delivered, int maxDeliver, double delayMs, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Ingestion of {Subject} failed on its last delivery ({Delivered}); dead-lettering it")]
    private static partial void LogExhausted(ILogger logger, string subject, int delivered, Exception exception);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Dead-lettered {Subject} ({Stream} #{Sequence}) as {DeadLetterSubject}: {Kind}")]
    private static partial void LogDeadLettered(ILogger logger, string subject, string stream, ulong sequence, string deadLetterSubject, string kind);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Dead-lettering {Subject} ({Stream} #{Sequence}) failed on attempt {Attempt}; retrying")]
    private static partial void LogDeadLetterRetry(ILogger logger, string subject, string stream, ulong sequence, int attempt, Exception exception);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Dead-lettering {Subject} ({Stream} #{Sequence}) failed; the message was not terminated")]
    private static partial void LogDeadLetterFailed(ILogger logger, string subject, string stream, ulong sequence, Exception exception);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Information, Message = "Dead-lettering {Subject} ({Stream} #{Sequence}) stopped at attempt {Attempt} by shutdown; the message was handed back")]
    private static partial void LogDeadLetterStopped(ILogger logger, string subject, string stream, ulong sequence, int attempt);

    [LoggerMessage(EventId = 6520, Level = LogLevel.Warning, Message = "Ingestion request on {Subject} reuses an idempotency key with a different payload (delivery {Delivered}); dead-lettering it without retries: {Reason}")]
    private static partial void LogConflict(ILogger logger, string subject, int delivered, string reason);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Error, Message = "The consumer {Stream}/{Consumer} failed; retrying in {DelayMs} ms")]
    private static partial void LogConsumerFailed(ILogger logger, string stream, string consumer, double delayMs, Exception exception);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Debug, Message = "Could not nak {Subject}; it is redelivered after the ack wait")]
    private static partial void LogNakFailed(ILogger logger, string subject, Exception exception);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Stopped consuming {Stream}/{Consumer}")]
    private static partial void LogStopped(ILogger logger, string stream, string consumer);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Debug, Message = "Could not refresh the info of {Stream}/{Consumer}; using its last known max deliver")]
    private static partial void LogRefreshFailed(ILogger logger, string stream, string consumer, Exception exception);
}
