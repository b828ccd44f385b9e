using System.Text;
using BenchmarkDotNet.Attributes;
using IssueCore.Adapters.Nats.Ingestion;
using IssueCore.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace IssueCore.Benchmarks.Nats;

/// <summary>
/// Ingest rate through the NATS adapter on a real server: each invocation publishes
/// <see cref="MessagesPerInvocation"/> requests one after another (each publish awaits its JetStream
/// ack) while the hosted consumer pulls them, ingests each through the real ingestion service into the
/// in-memory store (a new issue every time) and acks it; the invocation ends when every message is
/// stored and the consumer has no message pending or unacked. Two rows on the same server in the same
/// run frame it: the baseline publishes the same bodies to a stream of the same shape and awaits each
/// publish ack; the second adds a plain pull consumer (same batch size) that only acks. Times are per
/// message. Needs ISSUECORE_NATS (start a server with <c>source .ci/nats.sh start</c>).
/// </summary>
[MemoryDiagnoser]
public class NatsIngestBenchmarks
{
    public const int MessagesPerInvocation = 1000;
    public const string Variable = "ISSUECORE_NATS";

    private static readonly TimeSpan SettlePoll = TimeSpan.FromMilliseconds(1);

    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly Countdown _ingested = new();
    private readonly Countdown _rawAcked = new();
    private readonly CancellationTokenSource _stop = new();
    private NatsIngestionOptions _options = null!;
    private NatsConnection _publisher = null!;
    private NatsConnection _rawConsumerConnection = null!;
    private NatsJSContext _js = null!;
    private IHost _host = null!;
    private ServiceProvider _core = null!;
    private Task _rawConsumeLoop = Task.CompletedTask;
    private long _next;

    private string RawStream => $"BENCH_RAW_{_id}";

    private string RawSubject => $"b{_id}.raw.tasks.create.activity-core";

    private string RawConsumer => $"bench-raw-{_id}";

    private string IngestSubject => $"b{_id}.act.tasks.create.activity-core";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var url = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set: the NATS benchmarks need a real NATS server with JetStream. From the repository root run "
                + "`source .ci/nats.sh start` (it exports ISSUECORE_NATS), run the benchmarks from that shell, then `.ci/nats.sh stop`.");
        }

        // The production topology (file storage, limits, 7 days, 64 KiB, explicit ack, ack wait 30 s,
        // max deliver 5, batch 100) under names of its own.
        _options = new NatsIngestionOptions
        {
            Url = url,
            ConnectionName = "issue-core-bench-ingest",
            StreamName = $"BENCH_ACT_TASKS_{_id}",
            StreamSubject = $"b{_id}.act.tasks.>",
            FilterSubject = $"b{_id}.act.tasks.create.>",
            DeadLetterStreamName = $"BENCH_ACT_TASKS_DLQ_{_id}",
            DeadLetterSubjectPrefix = $"b{_id}.act.dlq.tasks",
        };

        _publisher = new NatsConnection(NatsOpts.Default with { Url = url, Name = "issue-core-bench-publisher" });
        await _publisher.ConnectAsync();
        _js = new NatsJSContext(_publisher);

        // The raw stream has the ingestion stream's shape; its consumer the ingestion consumer's.
        await _js.CreateOrUpdateStreamAsync(new StreamConfig(RawStream, [$"b{_id}.raw.tasks.>"])
        {
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            Discard = StreamConfigDiscard.Old,
            MaxAge = _options.StreamMaxAge,
            MaxMsgSize = _options.StreamMaxMessageBytes,
            DuplicateWindow = _options.StreamDuplicateWindow,
            NumReplicas = 1,
        });

        // The hosted consumer over the real ingestion service and in-memory store; the only addition
        // is a counter around the ingestion service so an invocation knows when its last message is stored.
        _core = new ServiceCollection().AddIssueCoreIngestion(o => o.RequireExistingSeries = false).UseInMemory().BuildServiceProvider();
        var counted = new CountingIngestion(_core.GetRequiredService<IIssueIngestionService>(), _ingested);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddIssueCoreNatsIngestion(o =>
        {
            o.Url = _options.Url;
            o.ConnectionName = _options.ConnectionName;
            o.StreamName = _options.StreamName;
            o.StreamSubject = _options.StreamSubject;
            o.FilterSubject = _options.FilterSubject;
            o.DeadLetterStreamName = _options.DeadLetterStreamName;
            o.DeadLetterSubjectPrefix = _options.DeadLetterSubjectPrefix;
        }).UseInMemory();
        builder.Services.Replace(ServiceDescriptor.Singleton<IIssueIngestionService>(counted));
        _host = builder.Build();
        await _host.StartAsync();

        _rawConsumerConnection = new NatsConnection(NatsOpts.Default with { Url = url, Name = "issue-core-bench-raw-consumer" });
        await _rawConsumerConnection.ConnectAsync();
        var rawJs = new NatsJSContext(_rawConsumerConnection);
        var rawConsumer = await rawJs.CreateOrUpdateConsumerAsync(RawStream, new ConsumerConfig(RawConsumer)
        {
            FilterSubject = $"b{_id}.raw.tasks.create.>",
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = _options.AckWait,
            MaxDeliver = _options.MaxDeliver,
            NumReplicas = 1,
        });
        _rawConsumeLoop = RawConsumeAsync(rawConsumer, _stop.Token);

        // The hosted consumer provisions its topology asynchronously: wait until its consumer exists.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Settled(_options.StreamName, _options.ConsumerName, 0);
                break;
            }
            catch (NatsJSApiException) when (attempt < 5000)
            {
                await Task.Delay(SettlePoll, TimeProvider.System);
            }
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _stop.CancelAsync();
        try
        {
            await _rawConsumeLoop;
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var stream in new[] { RawStream, _options.StreamName, _options.DeadLetterStreamName })
        {
            await _js.DeleteStreamAsync(stream);
        }

        await _rawConsumerConnection.DisposeAsync();
        await _publisher.DisposeAsync();
        await _core.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>Publish and await each JetStream publish ack; nothing consumes.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = MessagesPerInvocation)]
    public async Task Raw_publish_ack()
    {
        await PublishBatchAsync($"b{_id}.raw.tasks.other.activity-core");
    }

    /// <summary>The same publishes, and a plain pull consumer acks each message; ends when all are acked.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvocation)]
    public async Task Raw_publish_consume_ack()
    {
        var done = _rawAcked.Expect(MessagesPerInvocation);
        var last = await PublishBatchAsync(RawSubject);
        await done;
        await Settled(RawStream, RawConsumer, last);
    }

    /// <summary>The same publishes through the hosted consumer: ingested, stored as new issues, acked; ends when all are acked.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvocation)]
    public async Task Hosted_consumer_ingest()
    {
        var done = _ingested.Expect(MessagesPerInvocation);
        var last = await PublishBatchAsync(IngestSubject);
        await done;
        await Settled(_options.StreamName, _options.ConsumerName, last);
    }

    private async Task<ulong> PublishBatchAsync(string subject)
    {
        ulong last = 0;
        for (var i = 0; i < MessagesPerInvocation; i++)
        {
            var eventId = "bench-" + Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var ack = await _js.PublishAsync(subject, Body(eventId), NatsRawSerializer<byte[]>.Default, new NatsJSPubOpts { MsgId = eventId });
            ack.EnsureSuccess();
            last = ack.Seq;
        }

        return last;
    }

    /// <summary>Waits until the consumer has acked everything up to <paramref name="lastSequence"/> and holds nothing.</summary>
    private async Task Settled(string stream, string consumer, ulong lastSequence)
    {
        while (true)
        {
            var info = (await _js.GetConsumerAsync(stream, consumer)).Info;
            if (info.AckFloor.StreamSeq >= lastSequence && info.NumAckPending == 0 && info.NumPending == 0)
            {
                return;
            }

            await Task.Delay(SettlePoll, TimeProvider.System);
        }
    }

    private async Task RawConsumeAsync(INatsJSConsumer consumer, CancellationToken cancellationToken)
    {
        var opts = new NatsJSConsumeOpts { MaxMsgs = _options.BatchSize };
        await foreach (var msg in consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, opts, cancellationToken))
        {
            await msg.AckAsync(cancellationToken: CancellationToken.None);
            _rawAcked.Signal();
        }
    }

    private static byte[] Body(string triggeringEventId) => Encoding.UTF8.GetBytes(
        $$"""{"title":"Run SBOM rescan for activity-core","description":"","target_repo":"activity-core","priority":"medium","labels":["sbom","security","automated"],"due_in_days":null,"source_type":"rule","source_id":"flag-stale-sbom","triggering_event_id":"{{triggeringEventId}}","activity_definition_id":"activity-definition-uuid"}""");

    /// <summary>Completes a task after a given number of signals.</summary>
    private sealed class Countdown
    {
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _remaining;

        public Task Expect(int count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _remaining, count);
            return _done.Task;
        }

        public void Signal()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>The real ingestion service, counting completed ingestions.</summary>
    private sealed class CountingIngestion(IIssueIngestionService inner, Countdown countdown) : IIssueIngestionService
    {
        public async Task<IngestionResult> IngestAsync(IngestionRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        {
            var result = await inner.IngestAsync(request, idempotencyKey, cancellationToken);
            countdown.Signal();
            return result;
        }

        public async Task<IngestionResult> IngestJsonAsync(ReadOnlyMemory<byte> utf8Json, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        {
            var result = await inner.IngestJsonAsync(utf8Json, idempotencyKey, cancellationToken);
            countdown.Signal();
            return result;
        }
    }
}
