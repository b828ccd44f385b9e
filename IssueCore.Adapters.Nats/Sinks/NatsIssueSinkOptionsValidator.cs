namespace IssueCore.Adapters.Nats.Sinks;

/// <summary>Checks <see cref="NatsIssueSinkOptions"/>.</summary>
internal static class NatsIssueSinkOptionsValidator
{
    public static List<string> Failures(NatsIssueSinkOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            failures.Add("Url is required.");
        }

        failures.AddRange(NatsConnectionOptions.Failures(options.Security, nameof(options.Security)));
        if (!NatsSubjects.IsValid(options.SubjectPrefix, allowWildcards: false))
        {
            failures.Add($"SubjectPrefix '{options.SubjectPrefix}' must be a subject without wildcards.");
        }

        if (options.ExpectedStream is not null && !NatsSubjects.IsValidName(options.ExpectedStream))
        {
            failures.Add($"ExpectedStream '{options.ExpectedStream}' is not a valid stream name.");
        }

        if (options.AckTimeout < TimeSpan.FromMilliseconds(10) || options.AckTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("AckTimeout must be between 10 ms and 5 minutes.");
        }

        if (options.MaxAttempts is < 1 or > 10)
        {
            failures.Add("MaxAttempts must be between 1 and 10.");
        }

        if (options.RetryDelay < TimeSpan.Zero || options.RetryDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add("RetryDelay must be between zero and 1 minute.");
        }

        return failures;
    }
}
