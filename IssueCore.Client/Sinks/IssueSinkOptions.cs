namespace IssueCore.Client;

/// <summary>Options for <c>AddIssueSink()</c>. Validated when the host starts.</summary>
public sealed class IssueSinkOptions
{
    /// <summary>Which sink to use. Defaults to <see cref="IssueSinkKind.Null"/> (dry run), so nothing is sent until you opt in.</summary>
    public IssueSinkKind Sink { get; set; } = IssueSinkKind.Null;

    /// <summary>The server's base address (absolute http or https); requests go to <c>{BaseAddress}/issues/</c>. Required for <see cref="IssueSinkKind.Rest"/>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key, sent as <c>Authorization: Bearer</c>. Required for <see cref="IssueSinkKind.Rest"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How many times one request is tried in all (1 to 10) by the resilience handler <c>AddIssueSink()</c> puts on the sink's client. Defaults to 4.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The back-off before the first retry; doubled for each further retry, with jitter. Defaults to 200 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest back-off between two attempts. Defaults to 10 s; not less than <see cref="InitialBackoff"/>.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt may take before the resilience handler of <c>AddIssueSink()</c> counts it as a timeout and retries it. Defaults to 10 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many rendered requests the dry-run sink keeps (oldest dropped first). Defaults to 1000; 0 keeps none.</summary>
    public int NullSinkHistoryLimit { get; set; } = 1000;
}
