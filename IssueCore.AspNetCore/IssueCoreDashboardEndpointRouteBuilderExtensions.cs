using System.Buffers;
using IssueCore.AspNetCore;
using IssueCore.AspNetCore.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the IssueCore dashboard.</summary>
public static class IssueCoreDashboardEndpointRouteBuilderExtensions
{
    private static readonly SearchValues<char> NotInPattern = SearchValues.Create("{}?#*");

    private static readonly SearchValues<char> NotInApiPath = SearchValues.Create("{}?#\"'<>\\ ");

    /// <summary>
    /// Serves the IssueCore dashboard under <paramref name="pattern"/>: a small static web UI (HTML, CSS and one
    /// script, embedded in this package, no external resources) over the IssueCore HTTP API. It shows the queue by
    /// status with counts, each issue with its patch, verdicts and resulting diff, a series' version history with a
    /// side-by-side JSON diff, a run's wave-by-wave timeline and the dead letters with a requeue button, and
    /// refreshes what it shows every <see cref="IssueCoreDashboardOptions.PollInterval"/>.
    /// </summary>
    /// <remarks>
    /// The files carry no secret and are served with a strict <c>Content-Security-Policy</c> (own script and
    /// style only, no inline code, same-origin requests only, no framing), <c>X-Content-Type-Options: nosniff</c>,
    /// <c>X-Frame-Options: DENY</c> and <c>Referrer-Policy: no-referrer</c>. The data comes from the API mapped by
    /// <c>MapIssueCore()</c> and its operator endpoints, which enforce their own API key and roles: the operator
    /// types the key into the page, which keeps it in the tab's <c>sessionStorage</c> only. A host with its own
    /// authentication can instead protect the returned group, for example with <c>.RequireAuthorization()</c>.
    /// </remarks>
    /// <param name="endpoints">The route builder (usually the <c>WebApplication</c>).</param>
    /// <param name="pattern">The path the dashboard is served under, for example <c>/issuecore</c>.</param>
    /// <param name="configure">Configures the dashboard options; may be <see langword="null"/>.</param>
    /// <returns>The dashboard's route group, to add conventions (authorization, rate limiting).</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is empty, does not start with <c>/</c>, or holds route parameters.</exception>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public static RouteGroupBuilder MapIssueCoreDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/issuecore", Action<IssueCoreDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length < 2 || pattern[0] != '/' || pattern.EndsWith('/') || pattern.AsSpan().IndexOfAny(NotInPattern) >= 0)
        {
            throw new ArgumentException("The dashboard path must start with '/', not end with '/', and hold no route parameters (for example \"/issuecore\").", nameof(pattern));
        }

        var options = new IssueCoreDashboardOptions();
        configure?.Invoke(options);
        var apiBase = options.ApiBasePath ?? string.Empty;
        if (apiBase.Length > 0 && (apiBase[0] != '/' || apiBase.EndsWith('/') || apiBase.Contains("//", StringComparison.Ordinal) || apiBase.AsSpan().IndexOfAny(NotInApiPath) >= 0))
        {
            throw new InvalidOperationException("IssueCoreDashboardOptions.ApiBasePath must be empty or a path that starts with '/' and does not end with '/' (for example \"/api\").");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(500) || options.PollInterval > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException("IssueCoreDashboardOptions.PollInterval must be between 500 milliseconds and 1 minute.");
        }

        var handlers = new DashboardEndpoints(new DashboardAssets(apiBase, options.PollInterval));
        var group = endpoints.MapGroup(pattern);
        group.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], handlers.IndexAsync).WithName("IssueCore.Dashboard").ExcludeFromDescription();
        group.MapMethods("/{file}", [HttpMethods.Get, HttpMethods.Head], handlers.FileAsync).WithName("IssueCore.DashboardFile").ExcludeFromDescription();
        return group;
    }
}
