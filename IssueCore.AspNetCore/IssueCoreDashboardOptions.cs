namespace IssueCore.AspNetCore;

/// <summary>
/// Options for the dashboard mapped by <c>MapIssueCoreDashboard()</c>. Checked when the dashboard is mapped.
/// </summary>
/// <remarks>
/// The dashboard's pages carry no secret. Its script calls the IssueCore HTTP API from the browser, on the same
/// origin: with an API key the operator types into the page (kept in the tab's <c>sessionStorage</c>, never in a
/// cookie or <c>localStorage</c>, and sent as <c>X-API-Key</c>), or with no key when the host protects both the
/// dashboard and the API with its own authentication (a cookie sent with every same-origin request).
/// </remarks>
public sealed class IssueCoreDashboardOptions
{
    /// <summary>
    /// The path the IssueCore API is mapped under, relative to the application's path base: the dashboard calls
    /// <c>{ApiBasePath}/issues</c>, <c>{ApiBasePath}/blueprints</c> and so on. Empty (the default) is the root.
    /// It must start with <c>/</c> when set, and it is written into the page, so it must not hold a secret.
    /// </summary>
    public string ApiBasePath { get; set; } = string.Empty;

    /// <summary>
    /// How often an open page refreshes what it shows (only while the browser tab is visible). Between
    /// 500 milliseconds and 1 minute. Default: 2 seconds.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
