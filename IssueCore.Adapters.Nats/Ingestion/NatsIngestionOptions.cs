namespace IssueCore.Adapters.Nats.Ingestion;

/// <summary>
/// Options for the NATS JetStream ingestion consumer (<c>AddIssueCoreNatsIngestion()</c>). The
/// defaults are the production topology: stream <c>ACT_TASKS</c> on <c>act.tasks.&gt;</c>, durable
/// consumer <c>issue-core-ingest</c> on <c>act.tasks.create.&gt;</c>, dead letters in
/// <c>ACT_TASKS_DLQ</c>. Validated when the host starts.
/// </summary>
public sealed class NatsIngestionOptions
{
    /// <summary>The default <see cref="Url"/>: <c>nats://127.0.0.1:4222</c>.</summary>
    public const string DefaultUrl = "nats://127.0.0.1:4222";

    /// <summary>The default <see cref="StreamName"/>: <c>ACT_TASKS</c>.</summary>
    public const string DefaultStreamName = "ACT_TASKS";

    /// <summary>The default <see cref="StreamSubject"/>: <c>act.tasks.&gt;</c>.</summary>
    public const string DefaultStreamSubject = "act.tasks.>";

    /// <summary>The default <see cref="ConsumerName"/>: <c>issue-core-ingest</c>.</summary>
    public const string DefaultConsumerName = "issue-core-ingest";

    /// <summary>The default <see cref="FilterSubject"/>: <c>act.tasks.create.&gt;</c>.</summary>
    public const string DefaultFilterSubject = "act.tasks.create.>";

    /// <summary>The default <see cref="DeadLetterStreamName"/>: <c>ACT_TASKS_DLQ</c>.</summary>
    public const string DefaultDeadLetterStreamName = "ACT_TASKS_DLQ";

    /// <summary>The default <see cref="DeadLetterSubjectPrefix"/>: <c>act.dlq.tasks</c>.</summary>
    public const string DefaultDeadLetterSubjectPrefix = "act.dlq.tasks";

    /// <summary>The NATS server URL (or a comma-separated list of them). Defaults to <see cref="DefaultUrl"/>.</summary>
    public string Url { get; set; } = DefaultUrl;

    /// <summary>The connection name the server shows for this client. Defaults to <c>issue-core-ingest</c>.</summary>
    public string ConnectionName { get; set; } = "issue-core-ingest";

    /// <summary>
    /// Credentials and TLS for the connection (see <see cref="NatsSecurityOptions"/>). Default: none,
    /// which suits a loopback server only; bind it from configuration and a secret store in production.
    /// </summary>
    public NatsSecurityOptions Security { get; set; } = new();

    /// <summary>
    /// Whether the consumer creates or updates its streams and consumer at start (idempotent). Defaults
    /// to <see langword="true"/>. Set <see langword="false"/> when the topology is managed elsewhere
    /// (for example by the cluster's operators); the consumer then only looks the durable up and
    /// retries until it exists.
    /// </summary>
    public bool ProvisionTopology { get; set; } = true;

    /// <summary>The stream requests are published to. Defaults to <see cref="DefaultStreamName"/>.</summary>
    public string StreamName { get; set; } = DefaultStreamName;

    /// <summary>
    /// The stream's subject; must end with <c>.&gt;</c>. Defaults to <see cref="DefaultStreamSubject"/>.
    /// Dead-letter subjects replace its literal prefix with <see cref="DeadLetterSubjectPrefix"/>.
    /// </summary>
    public string StreamSubject { get; set; } = DefaultStreamSubject;

    /// <summary>How long the stream keeps a message (limits retention, file storage, oldest discarded first). Defaults to 7 days.</summary>
    public TimeSpan StreamMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The largest message the stream accepts, in bytes (headers included). Defaults to 64 KiB.</summary>
    public int StreamMaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// The window in which JetStream drops a second publish with the same <c>Nats-Msg-Id</c>.
    /// Defaults to 2 minutes (the server's default); at most <see cref="StreamMaxAge"/>.
    /// Ingestion deduplicates by the triggering event id in any case; this only saves the work.
    /// </summary>
    public TimeSpan StreamDuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Replicas of each stream and of the consumer: 1 to 5. Defaults to 1 (use 3 in production clusters).</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>The durable pull consumer's name. Defaults to <see cref="DefaultConsumerName"/>.</summary>
    public string ConsumerName { get; set; } = DefaultConsumerName;

    /// <summary>The consumer's filter subject (one subject: servers before 2.10 have no multi-filter consumers). Defaults to <see cref="DefaultFilterSubject"/>.</summary>
    public string FilterSubject { get; set; } = DefaultFilterSubject;

    /// <summary>How long the server waits for an ack before it redelivers a message. Defaults to 30 s; 1 s to 1 hour.</summary>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many times one message is delivered in all (1 to 100). Defaults to 5. A message whose
    /// ingestion still fails transiently on its last delivery is dead-lettered. Provisioning writes it
    /// into the durable consumer; the consumer's own setting, as the server reports it, decides which
    /// delivery is the last (so with <see cref="ProvisionTopology"/> off a managed consumer's limit is
    /// honoured), and this value applies only when the consumer sets no limit.
    /// </summary>
    public int MaxDeliver { get; set; } = 5;

    /// <summary>How long the server holds a message back after a transient failure before redelivering it. Defaults to 5 s; zero to <see cref="AckWait"/>.</summary>
    public TimeSpan NakDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many messages one pull asks for (1 to 1000). Defaults to 100. Buffered messages count
    /// against <see cref="AckWait"/>, so keep <c>BatchSize</c> × the time one ingestion takes well
    /// below it.
    /// </summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>The dead-letter stream. Defaults to <see cref="DefaultDeadLetterStreamName"/>.</summary>
    public string DeadLetterStreamName { get; set; } = DefaultDeadLetterStreamName;

    /// <summary>
    /// The dead-letter subject prefix (no wildcards); the stream listens on <c>{prefix}.&gt;</c>.
    /// <c>act.tasks.create.myrepo</c> is dead-lettered as <c>act.dlq.tasks.create.myrepo</c> with the
    /// default. Defaults to <see cref="DefaultDeadLetterSubjectPrefix"/>.
    /// </summary>
    public string DeadLetterSubjectPrefix { get; set; } = DefaultDeadLetterSubjectPrefix;

    /// <summary>How long the dead-letter stream keeps a message. Defaults to 30 days.</summary>
    public TimeSpan DeadLetterMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long the consumer waits before it retries after losing its consumer or failing to provision. Defaults to 2 s; 10 ms to 5 minutes.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);
}
