using IssueCore.Security;
using Microsoft.Extensions.Options;

namespace IssueCore.DependencyInjection;

/// <summary>Checks <see cref="IssueCoreOptions"/> at start-up.</summary>
internal sealed class IssueCoreOptionsValidator : IValidateOptions<IssueCoreOptions>
{
    public ValidateOptionsResult Validate(string? name, IssueCoreOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultTtl <= TimeSpan.Zero)
        {
            failures.Add("IssueCoreOptions.DefaultTtl must be positive.");
        }

        if (options.RunHeartbeatInterval <= TimeSpan.Zero && options.RunHeartbeatInterval != Timeout.InfiniteTimeSpan)
        {
            failures.Add("IssueCoreOptions.RunHeartbeatInterval must be positive (or Timeout.InfiniteTimeSpan to turn the heartbeat off).");
        }

        if (options.AbandonedRunTimeout <= TimeSpan.Zero)
        {
            failures.Add("IssueCoreOptions.AbandonedRunTimeout must be positive.");
        }
        else if (options.RunHeartbeatInterval > TimeSpan.Zero && options.AbandonedRunTimeout <= 2 * options.RunHeartbeatInterval)
        {
            failures.Add($"IssueCoreOptions.AbandonedRunTimeout ({options.AbandonedRunTimeout}) must be more than twice RunHeartbeatInterval ({options.RunHeartbeatInterval}), or live runs would be taken for abandoned.");
        }

        if (options.RunRecordTimeout <= TimeSpan.Zero)
        {
            failures.Add("IssueCoreOptions.RunRecordTimeout must be positive.");
        }

        var retention = options.RunRetention;
        if (retention.Enabled)
        {
            if (retention.KeepLatest is null && retention.MaxAge is null)
            {
                failures.Add("IssueCoreOptions.RunRetention needs KeepLatest or MaxAge (or Enabled = false to keep every run).");
            }

            if (retention.KeepLatest < 0)
            {
                failures.Add("IssueCoreOptions.RunRetention.KeepLatest must not be negative.");
            }

            if (retention.MaxAge <= TimeSpan.Zero)
            {
                failures.Add("IssueCoreOptions.RunRetention.MaxAge must be positive.");
            }

            if (retention.PurgeInterval <= TimeSpan.Zero)
            {
                failures.Add("IssueCoreOptions.RunRetention.PurgeInterval must be positive.");
            }

            if (retention.MaxRunsPerCall <= 0)
            {
                failures.Add("IssueCoreOptions.RunRetention.MaxRunsPerCall must be positive.");
            }

            if (retention.PurgeAfterRuns is <= 0)
            {
                failures.Add("IssueCoreOptions.RunRetention.PurgeAfterRuns must be positive (or null to purge on the interval only).");
            }
        }

        var security = options.Security;
        if (string.IsNullOrEmpty(security.SigningKey))
        {
            if (!security.AllowDevelopmentKey)
            {
                failures.Add("IssueCoreOptions.Security.SigningKey is required: set a base64 key of at least "
                    + $"{IssueCoreSecurityOptions.MinimumKeyBytes} bytes (or set AllowDevelopmentKey for a throw-away key in development).");
            }
        }
        else
        {
            var buffer = new byte[security.SigningKey.Length];
            if (!Convert.TryFromBase64String(security.SigningKey, buffer, out var length))
            {
                failures.Add("IssueCoreOptions.Security.SigningKey is not valid base64.");
            }
            else if (length < IssueCoreSecurityOptions.MinimumKeyBytes)
            {
                failures.Add($"IssueCoreOptions.Security.SigningKey must be at least {IssueCoreSecurityOptions.MinimumKeyBytes} bytes; it is {length}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
