namespace IssueCore.AspNetCore;

/// <summary>
/// Options for the read and act endpoints mapped by <c>MapIssueCoreOperatorApi()</c>. Checked when the endpoints are
/// mapped.
/// </summary>
/// <remarks>
/// Every endpoint needs an API key, as <c>MapIssueCore()</c> does: a key of <see cref="ApiKey"/> or
/// <see cref="ApiKeys"/> (or, when neither is set, of the <c>ISSUE_CORE_API_KEY</c> configuration key or environment
/// variable) may read; a key of <see cref="OperatorApiKeys"/> may read and act (requeue, archive, unarchive). A host
/// that registers an <see cref="IIssueCoreAuthorizer"/> decides every verb itself instead (for example with ASP.NET Core
/// authorization policies and roles).
/// </remarks>
public sealed class IssueCoreOperatorApiOptions
{
    /// <summary>A key that may read, presented as <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-API-Key</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>More keys that may read (for rotation). Empty by default.</summary>
    public IList<string> ApiKeys { get; } = [];

    /// <summary>
    /// Keys that carry the operator role: they may read and act. Empty by default, so nobody may act until a key is
    /// added here or an <see cref="IIssueCoreAuthorizer"/> is registered. Checked like the other keys (at least
    /// <see cref="IssueCoreEndpointOptions.MinimumApiKeyLength"/> characters, no white space or commas).
    /// </summary>
    public IList<string> OperatorApiKeys { get; } = [];

    /// <summary>
    /// Serves the endpoints without a key, every verb allowed, when no key at all is configured. For local development
    /// only; defaults to <see langword="false"/>.
    /// </summary>
    public bool AllowAnonymousDevelopment { get; set; }

    /// <summary>Whether a failed outcome's reasons show the dispatcher's own error text (see <see cref="IssueCoreEndpointOptions.ExposeErrorDetail"/>). Defaults to <see langword="false"/>.</summary>
    public bool ExposeErrorDetail { get; set; }

    /// <summary>The page size of the list endpoints when the caller gives no <c>limit</c>. Defaults to 50; 1 to 1000.</summary>
    public int DefaultPageSize { get; set; } = 50;

    /// <summary>How often a server-sent event stream of a live run looks for new events. Defaults to 1 second; 50 ms to 1 minute.</summary>
    public TimeSpan EventStreamPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest a server-sent event stream stays open; the client reconnects with <c>Last-Event-ID</c> to go on.
    /// Defaults to 10 minutes; 1 second to 1 hour.
    /// </summary>
    public TimeSpan EventStreamMaxDuration { get; set; } = TimeSpan.FromMinutes(10);
}
