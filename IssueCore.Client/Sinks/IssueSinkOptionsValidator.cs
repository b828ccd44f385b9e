using Microsoft.Extensions.Options;

namespace IssueCore.Client;

/// <summary>Checks <see cref="IssueSinkOptions"/> at start.</summary>
internal sealed class IssueSinkOptionsValidator : IValidateOptions<IssueSinkOptions>
{
    public ValidateOptionsResult Validate(string? name, IssueSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Failures(options, requireRest: options.Sink == IssueSinkKind.Rest);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> Failures(IssueSinkOptions options, bool requireRest)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Sink))
        {
            failures.Add("IssueSinkOptions.Sink must be null or rest.");
        }

        if (requireRest)
        {
            if (options.BaseAddress is not { IsAbsoluteUri: true } uri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add("IssueSinkOptions.BaseAddress must be an absolute http or https URL for the rest sink.");
            }

            if (string.IsNullOrWhiteSpace(options.ApiKey))
            {
                failures.Add("IssueSinkOptions.ApiKey is required for the rest sink.");
            }
        }

        if (options.MaxAttempts is < 1 or > 10)
        {
            failures.Add("IssueSinkOptions.MaxAttempts must be between 1 and 10.");
        }

        if (options.InitialBackoff < TimeSpan.Zero || options.MaxBackoff < options.InitialBackoff)
        {
            failures.Add("IssueSinkOptions.InitialBackoff must not be negative and MaxBackoff not less than InitialBackoff.");
        }

        if (options.AttemptTimeout <= TimeSpan.Zero)
        {
            failures.Add("IssueSinkOptions.AttemptTimeout must be positive.");
        }

        if (options.NullSinkHistoryLimit < 0)
        {
            failures.Add("IssueSinkOptions.NullSinkHistoryLimit must not be negative.");
        }

        return failures;
    }
}
