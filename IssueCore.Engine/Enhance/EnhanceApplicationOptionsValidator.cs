using Microsoft.Extensions.Options;

namespace IssueCore.Enhance;

/// <summary>Checks <see cref="EnhanceApplicationOptions"/> at start-up.</summary>
internal sealed class EnhanceApplicationOptionsValidator : IValidateOptions<EnhanceApplicationOptions>
{
    public ValidateOptionsResult Validate(string? name, EnhanceApplicationOptions options)
    {
        var failures = new List<string>();
        void Positive(TimeSpan value, string member)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"EnhanceApplicationOptions.{member} must be positive.");
            }
        }

        Positive(options.PollInterval, nameof(options.PollInterval));
        Positive(options.LeaseDuration, nameof(options.LeaseDuration));
        Positive(options.RetryBaseDelay, nameof(options.RetryBaseDelay));
        Positive(options.RetryMaxDelay, nameof(options.RetryMaxDelay));
        Positive(options.DispatchTimeout, nameof(options.DispatchTimeout));
        Positive(options.ApprovalTimeout, nameof(options.ApprovalTimeout));
        if (options.ApprovalExpiryBatch is < 1 or > 1000)
        {
            failures.Add("EnhanceApplicationOptions.ApprovalExpiryBatch must be between 1 and 1000.");
        }

        if (options.HeartbeatInterval is { } heartbeat && (heartbeat <= TimeSpan.Zero || heartbeat >= options.LeaseDuration))
        {
            failures.Add("EnhanceApplicationOptions.HeartbeatInterval must be positive and shorter than LeaseDuration.");
        }

        if (options.RetryBaseDelay > options.RetryMaxDelay)
        {
            failures.Add("EnhanceApplicationOptions.RetryBaseDelay must not exceed RetryMaxDelay.");
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add("EnhanceApplicationOptions.MaxAttempts must be at least 1.");
        }

        if (options.MaxConcurrentDispatches is < 1 or > 1024)
        {
            failures.Add("EnhanceApplicationOptions.MaxConcurrentDispatches must be between 1 and 1024.");
        }

        if (options.MaxConflictRetries < 0)
        {
            failures.Add("EnhanceApplicationOptions.MaxConflictRetries must not be negative.");
        }

        if (options.SemverHistoryLimit < 1)
        {
            failures.Add("EnhanceApplicationOptions.SemverHistoryLimit must be at least 1.");
        }

        if (options.DispatcherId is { } id && string.IsNullOrWhiteSpace(id))
        {
            failures.Add("EnhanceApplicationOptions.DispatcherId must not be blank (leave it null to generate one).");
        }

        if (string.IsNullOrWhiteSpace(options.OperatorId))
        {
            failures.Add("EnhanceApplicationOptions.OperatorId is required.");
        }

        if (string.IsNullOrWhiteSpace(options.Role))
        {
            failures.Add("EnhanceApplicationOptions.Role is required.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
