using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace IssueCore.Client;

/// <summary>
/// Applies the sink's deployment settings from the host's configuration (environment variables included):
/// <c>ISSUE_SINK_TYPE</c> (<c>null</c> or <c>rest</c>), <c>ISSUE_CORE_URL</c> (the server's base address) and
/// <c>ISSUE_CORE_API_KEY</c>. It runs before the options delegates of <c>AddIssueSink</c>, so code wins over them.
/// </summary>
internal sealed class IssueSinkEnvironmentConfiguration(IConfiguration? configuration = null) : IConfigureOptions<IssueSinkOptions>
{
    public const string SinkTypeKey = "ISSUE_SINK_TYPE";
    public const string UrlKey = "ISSUE_CORE_URL";
    public const string ApiKeyKey = "ISSUE_CORE_API_KEY";

    public void Configure(IssueSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (configuration is null)
        {
            return;
        }

        if (configuration[SinkTypeKey] is { Length: > 0 } type)
        {
            options.Sink = type.Trim().ToUpperInvariant() switch
            {
                "NULL" => IssueSinkKind.Null,
                "REST" => IssueSinkKind.Rest,
                _ => throw new OptionsValidationException(nameof(IssueSinkOptions), typeof(IssueSinkOptions), [$"{SinkTypeKey} must be 'null' or 'rest', not '{type}'."]),
            };
        }

        if (configuration[UrlKey] is { Length: > 0 } url)
        {
            options.BaseAddress = Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
                ? uri
                : throw new OptionsValidationException(nameof(IssueSinkOptions), typeof(IssueSinkOptions), [$"{UrlKey} must be an absolute http(s) URL, not '{url}'."]);
        }

        if (configuration[ApiKeyKey] is { Length: > 0 } key)
        {
            options.ApiKey = key.Trim();
        }
    }
}
