using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace IssueCore.Adapters.Nats.Ingestion;

/// <summary>The streams and the durable consumer the ingestion consumer needs, and their idempotent provisioning.</summary>
internal static class NatsIngestionTopology
{
    public static StreamConfig Stream(NatsIngestionOptions options) => new(options.StreamName, [options.StreamSubject])
    {
        Description = "IssueCore ingestion requests (act.tasks.create.{target_repo}).",
        Storage = StreamConfigStorage.File,
        Retention = StreamConfigRetention.Limits,
        Discard = StreamConfigDiscard.Old,
        MaxAge = options.StreamMaxAge,
        MaxMsgSize = options.StreamMaxMessageBytes,
        DuplicateWindow = options.StreamDuplicateWindow,
        NumReplicas = options.Replicas,
    };

    public static StreamConfig DeadLetterStream(NatsIngestionOptions options) => new(options.DeadLetterStreamName, [options.DeadLetterSubjectPrefix + ".>"])
    {
        Description = "IssueCore ingestion requests that could not be ingested, with the reason in headers.",
        Storage = StreamConfigStorage.File,
        Retention = StreamConfigRetention.Limits,
        Discard = StreamConfigDiscard.Old,
        MaxAge = options.DeadLetterMaxAge,
        DuplicateWindow = options.StreamDuplicateWindow,
        NumReplicas = options.Replicas,
    };

    public static ConsumerConfig Consumer(NatsIngestionOptions options) => new(options.ConsumerName)
    {
        Description = "IssueCore ingestion.",
        FilterSubject = options.FilterSubject,
        DeliverPolicy = ConsumerConfigDeliverPolicy.All,
        AckPolicy = ConsumerConfigAckPolicy.Explicit,
        AckWait = options.AckWait,
        MaxDeliver = options.MaxDeliver,
        ReplayPolicy = ConsumerConfigReplayPolicy.Instant,
        NumReplicas = options.Replicas,
    };

    /// <summary>Creates or updates both streams and the consumer; safe to run on every start and from several instances.</summary>
    public static async Task<INatsJSConsumer> ProvisionAsync(INatsJSContext js, NatsIngestionOptions options, CancellationToken cancellationToken)
    {
        await js.CreateOrUpdateStreamAsync(Stream(options), cancellationToken).ConfigureAwait(false);
        await js.CreateOrUpdateStreamAsync(DeadLetterStream(options), cancellationToken).ConfigureAwait(false);
        return await js.CreateOrUpdateConsumerAsync(options.StreamName, Consumer(options), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The dead-letter subject of a message: the stream subject's literal prefix replaced by the dead-letter prefix.</summary>
    public static string DeadLetterSubject(NatsIngestionOptions options, string subject)
    {
        var root = options.StreamSubject[..^1]; // "act.tasks." from "act.tasks.>"
        var rest = subject.StartsWith(root, StringComparison.Ordinal) ? subject[root.Length..] : subject;
        return options.DeadLetterSubjectPrefix + "." + rest;
    }
}
