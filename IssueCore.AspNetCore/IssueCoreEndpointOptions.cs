namespace IssueCore.AspNetCore;

/// <summary>Options for the endpoints mapped by <c>MapIssueCore()</c>. Checked when the endpoints are mapped.</summary>
public sealed class IssueCoreEndpointOptions
{
    /// <summary>The environment variable (or configuration key) read when <see cref="ApiKey"/> is not set.</summary>
    public const string ApiKeyEnvironmentVariable = "ISSUE_CORE_API_KEY";

    /// <summary>
    /// The API key callers must present as <c>Authorization: Bearer &lt;key&gt;</c> or
    /// <c>X-API-Key: &lt;key&gt;</c>. When <see langword="null"/>, the configuration key (or
    /// environment variable) <c>ISSUE_CORE_API_KEY</c> is used. Mapping fails when neither is set,
    /// unless <see cref="AllowAnonymousDevelopment"/> is <see langword="true"/>.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Serves the endpoints without authentication when no key is configured. For local development
    /// only; defaults to <see langword="false"/>. A configured key is still enforced.
    /// </summary>
    public bool AllowAnonymousDevelopment { get; set; }

    /// <summary>The page size of <c>GET /issues</c> when the caller gives no <c>limit</c>. Defaults to 50; 1 to 1000.</summary>
    public int DefaultPageSize { get; set; } = 50;
}
