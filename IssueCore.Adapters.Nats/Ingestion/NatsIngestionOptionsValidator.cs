using Microsoft.Extensions.Options;

namespace IssueCore.Adapters.Nats.Ingestion;

/// <summary>Checks <see cref="NatsIngestionOptions"/> when the host starts.</summary>
internal sealed class NatsIngestionOptionsValidator : IValidateOptions<NatsIngestionOptions>
{
    public ValidateOptionsResult Validate(string? name, NatsIngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> Failures(NatsIngestionOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            failures.Add("Url is required.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionName))
        {
            failures.Add("ConnectionName is required.");
        }

        failures.AddRange(NatsConnectionOptions.Failures(options.Security, nameof(options.Security)));
        CheckName(failures, nameof(options.StreamName), options.StreamName);
        CheckName(failures, nameof(options.ConsumerName), options.ConsumerName);
        CheckName(failures, nameof(options.DeadLetterStreamName), options.DeadLetterStreamName);
        if (string.Equals(options.StreamName, options.DeadLetterStreamName, StringComparison.Ordinal))
        {
            failures.Add("DeadLetterStreamName must differ from StreamName.");
        }

        var streamSubjectValid = NatsSubjects.IsValid(options.StreamSubject, allowWildcards: true)
            && options.StreamSubject.EndsWith(".>", StringComparison.Ordinal);
        if (!streamSubjectValid)
        {
            failures.Add($"StreamSubject '{options.StreamSubject}' must be a valid subject ending with '.>'.");
        }

        if (!NatsSubjects.IsValid(options.FilterSubject, allowWildcards: true))
        {
            failures.Add($"FilterSubject '{options.FilterSubject}' is not a valid subject.");
        }
        else if (streamSubjectValid
                 && !options.FilterSubject.StartsWith(options.StreamSubject[..^1], StringComparison.Ordinal))
        {
            failures.Add($"FilterSubject '{options.FilterSubject}' must lie under StreamSubject '{options.StreamSubject}'.");
        }

        if (!NatsSubjects.IsValid(options.DeadLetterSubjectPrefix, allowWildcards: false))
        {
            failures.Add($"DeadLetterSubjectPrefix '{options.DeadLetterSubjectPrefix}' must be a subject without wildcards.");
        }
        else if (streamSubjectValid
                 && (options.DeadLetterSubjectPrefix + ".").StartsWith(options.StreamSubject[..^1], StringComparison.Ordinal))
        {
            failures.Add("DeadLetterSubjectPrefix must not lie under StreamSubject (dead letters would be consumed again).");
        }

        if (options.StreamMaxAge <= TimeSpan.Zero)
        {
            failures.Add("StreamMaxAge must be positive.");
        }

        if (options.DeadLetterMaxAge <= TimeSpan.Zero)
        {
            failures.Add("DeadLetterMaxAge must be positive.");
        }

        if (options.StreamMaxMessageBytes is < 1 or > 64 * 1024 * 1024)
        {
            failures.Add("StreamMaxMessageBytes must be between 1 and 64 MiB.");
        }

        if (options.StreamDuplicateWindow <= TimeSpan.Zero || options.StreamDuplicateWindow > options.StreamMaxAge)
        {
            failures.Add("StreamDuplicateWindow must be positive and at most StreamMaxAge.");
        }

        if (options.Replicas is < 1 or > 5)
        {
            failures.Add("Replicas must be between 1 and 5.");
        }

        if (options.AckWait < TimeSpan.FromSeconds(1) || options.AckWait > TimeSpan.FromHours(1))
        {
            failures.Add("AckWait must be between 1 second and 1 hour.");
        }

        if (options.MaxDeliver is < 1 or > 100)
        {
            failures.Add("MaxDeliver must be between 1 and 100.");
        }

        if (options.NakDelay < TimeSpan.Zero || options.NakDelay > options.AckWait)
        {
            failures.Add("NakDelay must be between zero and AckWait.");
        }

        if (options.BatchSize is < 1 or > 1000)
        {
            failures.Add("BatchSize must be between 1 and 1000.");
        }

        if (options.RetryDelay < TimeSpan.FromMilliseconds(10) || options.RetryDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add("RetryDelay must be between 10 ms and 5 minutes.");
        }

        return failures;
    }

    private static void CheckName(List<string> failures, string property, string? value)
    {
        if (!NatsSubjects.IsValidName(value))
        {
            failures.Add($"{property} '{value}' must be 1-255 characters without whitespace, '.', '*', '>', '/' or '\\'.");
        }
    }
}
