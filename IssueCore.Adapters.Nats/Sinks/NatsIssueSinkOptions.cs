namespace IssueCore.Adapters.Nats.Sinks;

/// <summary>Options for <see cref="NatsIssueSink"/>.</summary>
public sealed class NatsIssueSinkOptions
{
    /// <summary>The NATS server URL used by <c>AddIssueCoreNatsIssueSink()</c> (a sink built over your own connection ignores it). Defaults to <c>nats://127.0.0.1:4222</c>.</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>
    /// Credentials and TLS for the connection <c>AddIssueCoreNatsIssueSink()</c> opens (a sink built over your own connection ignores it) (see <see cref="NatsSecurityOptions"/>). Default: none,
    /// which suits a loopback server only; bind it from configuration and a secret store in production.
    /// </summary>
    public NatsSecurityOptions Security { get; set; } = new();

    /// <summary>The subject prefix; a request is published on <c>{SubjectPrefix}.{target_repo}</c>. Defaults to <c>act.tasks.create</c>.</summary>
    public string SubjectPrefix { get; set; } = "act.tasks.create";

    /// <summary>
    /// The stream that must store the request (sent as <c>Nats-Expected-Stream</c>; a publish captured
    /// by another stream is refused). Defaults to <c>ACT_TASKS</c>; <see langword="null"/> accepts any stream.
    /// </summary>
    public string? ExpectedStream { get; set; } = "ACT_TASKS";

    /// <summary>How long one attempt waits for the publish ack. Defaults to 5 s; 10 ms to 5 minutes.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times one request is published in all when no ack arrives (1 to 10). Defaults to 3. Retrying is safe: the message id makes a repeat a duplicate.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The pause between two attempts. Defaults to 250 ms; zero to 1 minute.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);
}
