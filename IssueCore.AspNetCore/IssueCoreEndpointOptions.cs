namespace IssueCore.AspNetCore;

/// <summary>Options for the endpoints mapped by <c>MapIssueCore()</c>. Checked when the endpoints are mapped.</summary>
public sealed class IssueCoreEndpointOptions
{
    /// <summary>
    /// The environment variable (or configuration key) read when neither <see cref="ApiKey"/> nor
    /// <see cref="ApiKeys"/> is set. It may hold several keys separated by commas, for rotation.
    /// </summary>
    public const string ApiKeyEnvironmentVariable = "ISSUE_CORE_API_KEY";

    /// <summary>
    /// The fewest characters an API key may have: 32. Generate keys from a cryptographic random
    /// source (for example 32 random bytes in base64); a shorter key fails the mapping.
    /// </summary>
    public const int MinimumApiKeyLength = 32;

    /// <summary>
    /// The API key callers must present as <c>Authorization: Bearer &lt;key&gt;</c> or
    /// <c>X-API-Key: &lt;key&gt;</c>. Every key in <see cref="ApiKeys"/> is accepted as well. When
    /// neither is set, the configuration key (or environment variable) <c>ISSUE_CORE_API_KEY</c> is
    /// used. Mapping fails when no key is set, unless <see cref="AllowAnonymousDevelopment"/> is
    /// <see langword="true"/>, or when a key is shorter than <see cref="MinimumApiKeyLength"/> or holds
    /// white space or a comma.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// More accepted API keys, for rotation: add the new key, move callers to it, then remove the old
    /// one. Every key is checked like <see cref="ApiKey"/>, in constant time. Empty by default.
    /// </summary>
    public IList<string> ApiKeys { get; } = [];

    /// <summary>
    /// Whether <c>last_error</c>, and the reason of a failed issue, show the dispatcher's own error text.
    /// Defaults to <see langword="false"/>: every key holder sees a stable reason (for example
    /// <c>dispatch_error</c>), and the text, which can name internal hosts, paths or data, stays in the
    /// server's log. Set it only where every key holder may read the server's internals.
    /// </summary>
    public bool ExposeErrorDetail { get; set; }

    /// <summary>
    /// Serves the endpoints without authentication when no key is configured. For local development
    /// only; defaults to <see langword="false"/>. A configured key is still enforced.
    /// </summary>
    public bool AllowAnonymousDevelopment { get; set; }

    /// <summary>The page size of <c>GET /issues</c> when the caller gives no <c>limit</c>. Defaults to 50; 1 to 1000.</summary>
    public int DefaultPageSize { get; set; } = 50;
}
