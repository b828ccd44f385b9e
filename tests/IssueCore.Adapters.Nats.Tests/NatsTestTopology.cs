using IssueCore.Adapters.Nats.Ingestion;
using IssueCore.Ingestion;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace IssueCore.Adapters.Nats.Tests;

/// <summary>
/// One test's own streams and consumer on the real server (unique names and subjects, so tests are
/// independent and may run in any order), a connection to publish and inspect with, and the in-memory
/// store plus the real ingestion service the consumer writes through. Deletes its streams on dispose.
/// </summary>
internal sealed class NatsTestTopology : IAsyncDisposable
{
    private readonly ServiceProvider _core;

    private NatsTestTopology(NatsConnection connection, NatsIngestionOptions options)
    {
        Connection = connection;
        Js = new NatsJSContext(connection);
        Options = options;
        _core = new ServiceCollection().AddIssueCoreIngestion(o => o.RequireExistingSeries = false).UseInMemory().BuildServiceProvider();
    }

    public NatsConnection Connection { get; }

    public NatsJSContext Js { get; }

    public NatsIngestionOptions Options { get; }

    public IIssueStore Store => _core.GetRequiredService<IIssueStore>();

    public IIssueIngestionService Ingestion => _core.GetRequiredService<IIssueIngestionService>();

    /// <summary>The subject a request for <paramref name="targetRepo"/> is published on.</summary>
    public string CreateSubject(string targetRepo) => Options.FilterSubject[..^1] + targetRepo;

    public static async Task<NatsTestTopology> CreateAsync(Action<NatsIngestionOptions>? configure = null, bool provision = true)
    {
        var url = NatsTestServer.Url;
        var id = Guid.NewGuid().ToString("N")[..12];
        var options = new NatsIngestionOptions
        {
            Url = url,
            StreamName = $"ACT_TASKS_{id}",
            StreamSubject = $"t{id}.act.tasks.>",
            FilterSubject = $"t{id}.act.tasks.create.>",
            DeadLetterStreamName = $"ACT_TASKS_DLQ_{id}",
            DeadLetterSubjectPrefix = $"t{id}.act.dlq.tasks",
            StreamMaxAge = TimeSpan.FromHours(1),
            DeadLetterMaxAge = TimeSpan.FromHours(1),
            RetryDelay = TimeSpan.FromMilliseconds(100),
        };
        configure?.Invoke(options);
        var connection = new NatsConnection(NatsOpts.Default with { Url = url, Name = "issue-core-tests" });
        await connection.ConnectAsync();
        var topology = new NatsTestTopology(connection, options);
        if (provision)
        {
            await NatsIngestionTopology.ProvisionAsync(topology.Js, options, CancellationToken.None);
        }

        return topology;
    }

    /// <summary>A host running only the NATS ingestion consumer, writing through <paramref name="ingestion"/> (the real service when <see langword="null"/>).</summary>
    public IHost BuildConsumerHost(IIssueIngestionService? ingestion = null, Action<NatsIngestionOptions>? configure = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddIssueCoreNatsIngestion(o =>
        {
            Copy(Options, o);
            configure?.Invoke(o);
        }).UseInMemory();
        builder.Services.Replace(ServiceDescriptor.Singleton(Store));
        builder.Services.Replace(ServiceDescriptor.Singleton(ingestion ?? Ingestion));
        return builder.Build();
    }

    public async Task<PubAckResponse> PublishAsync(string subject, byte[] body, string? messageId = null)
    {
        var ack = await Js.PublishAsync(subject, body, NatsRawSerializer<byte[]>.Default, new NatsJSPubOpts { MsgId = messageId });
        Assert.Null(ack.Error);
        return ack;
    }

    public async Task<StreamState> StreamStateAsync(string stream)
        => (await Js.GetStreamAsync(stream)).Info.State;

    public async Task<ConsumerInfo> ConsumerInfoAsync()
        => (await Js.GetConsumerAsync(Options.StreamName, Options.ConsumerName)).Info;

    /// <summary>Waits until the consumer has acked (or terminated) every message in its stream.</summary>
    public Task<ConsumerInfo> AllSettledAsync(ulong lastSequence)
        => Eventually.ReachesAsync(
            ConsumerInfoAsync,
            info => info.AckFloor.StreamSeq >= lastSequence && info.NumAckPending == 0 && info.NumPending == 0,
            $"the consumer to settle every message up to #{lastSequence}");

    /// <summary>Reads the dead-letter stream from its start.</summary>
    public async Task<IReadOnlyList<INatsJSMsg<byte[]>>> DeadLettersAsync(int expected)
    {
        await Eventually.ReachesAsync(
            () => StreamStateAsync(Options.DeadLetterStreamName),
            state => state.Messages >= expected,
            $"{expected} dead letter(s)");
        var consumer = await Js.CreateOrderedConsumerAsync(Options.DeadLetterStreamName);
        var messages = new List<INatsJSMsg<byte[]>>();
        await foreach (var msg in consumer.FetchAsync(new NatsJSFetchOpts { MaxMsgs = expected, Expires = TimeSpan.FromSeconds(10) }, NatsRawSerializer<byte[]>.Default))
        {
            messages.Add(msg);
        }

        return messages;
    }

    public async Task<IReadOnlyList<Issue>> AllIssuesAsync()
    {
        var issues = new List<Issue>();
        string? token = null;
        do
        {
            var page = await Store.ListAsync(new IssueQuery { Limit = 1000, ContinuationToken = token });
            issues.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return issues;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stream in new[] { Options.StreamName, Options.DeadLetterStreamName })
        {
            try
            {
                await Js.DeleteStreamAsync(stream);
            }
            catch (NatsJSApiException)
            {
                // Not created by this test.
            }
        }

        await Connection.DisposeAsync();
        await _core.DisposeAsync();
    }

    private static void Copy(NatsIngestionOptions from, NatsIngestionOptions to)
    {
        to.Url = from.Url;
        to.ConnectionName = from.ConnectionName;
        to.ProvisionTopology = from.ProvisionTopology;
        to.StreamName = from.StreamName;
        to.StreamSubject = from.StreamSubject;
        to.StreamMaxAge = from.StreamMaxAge;
        to.StreamMaxMessageBytes = from.StreamMaxMessageBytes;
        to.StreamDuplicateWindow = from.StreamDuplicateWindow;
        to.Replicas = from.Replicas;
        to.ConsumerName = from.ConsumerName;
        to.FilterSubject = from.FilterSubject;
        to.AckWait = from.AckWait;
        to.MaxDeliver = from.MaxDeliver;
        to.NakDelay = from.NakDelay;
        to.BatchSize = from.BatchSize;
        to.DeadLetterStreamName = from.DeadLetterStreamName;
        to.DeadLetterSubjectPrefix = from.DeadLetterSubjectPrefix;
        to.DeadLetterMaxAge = from.DeadLetterMaxAge;
        to.RetryDelay = from.RetryDelay;
    }
}
