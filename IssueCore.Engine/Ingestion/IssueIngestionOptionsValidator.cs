using Microsoft.Extensions.Options;

namespace IssueCore.Ingestion;

/// <summary>Checks <see cref="IssueIngestionOptions"/> at start so a bad setting fails the host, not a request.</summary>
internal sealed class IssueIngestionOptionsValidator : IValidateOptions<IssueIngestionOptions>
{
    internal const int MaxBodyBytesCeiling = 16 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, IssueIngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Backend))
        {
            failures.Add("IssueIngestionOptions.Backend must not be empty.");
        }

        if (options.MaxBodyBytes is < 1 or > MaxBodyBytesCeiling)
        {
            failures.Add($"IssueIngestionOptions.MaxBodyBytes must be between 1 and {MaxBodyBytesCeiling}.");
        }

        if (options.IssueBaseUrl is { } url
            && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            failures.Add("IssueIngestionOptions.IssueBaseUrl must be an absolute http or https URL.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
