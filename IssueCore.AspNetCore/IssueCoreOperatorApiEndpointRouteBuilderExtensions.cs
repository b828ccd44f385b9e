using IssueCore;
using IssueCore.AspNetCore;
using IssueCore.AspNetCore.Operator;
using IssueCore.AspNetCore.Security;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the IssueCore operator API: read endpoints over every store and the operator's actions.</summary>
public static class IssueCoreOperatorApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the operator API (opt-in, beside <c>MapIssueCore()</c>): <c>GET /blueprints</c>, <c>GET /blueprints/{id}</c>,
    /// <c>GET /blueprints/{id}/versions/{version}</c>, <c>GET /blueprints/{id}/history</c>,
    /// <c>GET /blueprints/{id}/diff?from=&amp;to=</c>, <c>GET /blueprints/{id}/enhance-log</c>, <c>GET /enhance-log</c>,
    /// <c>GET /runs</c> (<c>?status=</c>, <c>?issue=</c> for the runs that dispatched one issue), <c>GET /runs/{id}</c>, <c>GET /runs/{id}/events</c> (pages, or server-sent events with
    /// <c>Accept: text/event-stream</c>), <c>GET /issues/{id}/history</c>; and the actions
    /// <c>POST /issues/{id}/requeue</c>, <c>POST /issues/{id}/approve</c> and <c>/reject</c> (optional body
    /// <c>{"note": "…"}</c>; the caller's key name is the approver), <c>POST /blueprints/{id}/archive</c> and <c>/unarchive</c>.
    /// </summary>
    /// <remarks>
    /// JSON is snake_case; lists take <c>limit</c> (1 to 1000) and <c>page</c> (the <c>next_page</c> of the previous
    /// page) and answer <c>{"items": [...], "next_page": ...}</c>. Errors are RFC 9457 problem details: 400 bad input,
    /// 401 no valid key, 403 not allowed, 404 unknown, 409 conflict, 503 store unavailable. Actions are logged
    /// (events 6310, 6311). Dead letters are <c>GET /issues?status=failed</c> of <c>MapIssueCore()</c>.
    /// </remarks>
    /// <param name="endpoints">The route builder (usually the <c>WebApplication</c>).</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/>.</param>
    /// <returns>The route group of every operator endpoint, to add conventions (rate limiting, CORS, OpenAPI).</returns>
    /// <exception cref="InvalidOperationException">
    /// No key is configured and anonymous development is not allowed, a key is too weak, the options are invalid, or
    /// the stores or <see cref="EnhanceApplication"/> (<c>AddIssueCore()</c>) are not registered.
    /// </exception>
    public static RouteGroupBuilder MapIssueCoreOperatorApi(this IEndpointRouteBuilder endpoints, Action<IssueCoreOperatorApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = new IssueCoreOperatorApiOptions();
        configure?.Invoke(options);
        var services = endpoints.ServiceProvider;

        var readers = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.ApiKey))
        {
            readers.Add(options.ApiKey);
        }

        readers.AddRange(options.ApiKeys);
        if (readers.Count == 0)
        {
            var configured = services.GetService<IConfiguration>()?[IssueCoreEndpointOptions.ApiKeyEnvironmentVariable]
                             ?? Environment.GetEnvironmentVariable(IssueCoreEndpointOptions.ApiKeyEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                readers.AddRange(configured.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            }
        }

        var operators = options.OperatorApiKeys.ToList();
        var anonymous = readers.Count == 0 && operators.Count == 0;
        if (anonymous && !options.AllowAnonymousDevelopment)
        {
            throw new InvalidOperationException(
                $"The IssueCore operator API needs an API key: set IssueCoreOperatorApiOptions.ApiKey, ApiKeys or OperatorApiKeys, or the {IssueCoreEndpointOptions.ApiKeyEnvironmentVariable} environment variable (or set AllowAnonymousDevelopment for local development only).");
        }

        foreach (var (key, index) in readers.Concat(operators).Select((k, i) => (k, i)))
        {
            // The message names the key's position, never the key.
            if (key.Length < IssueCoreEndpointOptions.MinimumApiKeyLength || key.Any(c => char.IsWhiteSpace(c) || c == ',' || char.IsControl(c)))
            {
                throw new InvalidOperationException(
                    $"IssueCore operator API key #{index + 1} is too weak: a key must have at least {IssueCoreEndpointOptions.MinimumApiKeyLength} characters and no white space or commas.");
            }
        }

        if (options.DefaultPageSize is < 1 or > 1000)
        {
            throw new InvalidOperationException("IssueCoreOperatorApiOptions.DefaultPageSize must be between 1 and 1000.");
        }

        if (options.EventStreamPollInterval < TimeSpan.FromMilliseconds(50) || options.EventStreamPollInterval > TimeSpan.FromMinutes(1)
            || options.EventStreamMaxDuration < TimeSpan.FromSeconds(1) || options.EventStreamMaxDuration > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException("IssueCoreOperatorApiOptions: EventStreamPollInterval must be 50 ms to 1 minute and EventStreamMaxDuration 1 second to 1 hour.");
        }

        if (services.GetService<IIssueStore>() is null || services.GetService<IBlueprintStore>() is null
            || services.GetService<IEnhanceLogStore>() is null || services.GetService<ICouncilRepository>() is null
            || services.GetService<EnhanceApplication>() is null)
        {
            throw new InvalidOperationException("The IssueCore operator API needs the stores and the dispatcher: call services.AddIssueCore() with an adapter such as UseSqlite(…).");
        }

        var gate = new OperatorGate(new ApiKeyAuthenticator(readers), new ApiKeyAuthenticator(operators), anonymous);
        var handlers = new OperatorEndpoints(gate, options);
        var group = endpoints.MapGroup(string.Empty);
        group.MapGet("/blueprints", Handler(handlers.ListBlueprintsAsync)).WithName("IssueCore.ListBlueprints").Describe(typeof(BlueprintListResponse));
        group.MapGet("/blueprints/{id}", Handler(handlers.GetBlueprintAsync)).WithName("IssueCore.GetBlueprint").Describe(typeof(BlueprintVersionResponse));
        group.MapGet("/blueprints/{id}/versions/{version}", Handler(handlers.GetVersionAsync)).WithName("IssueCore.GetBlueprintVersion").Describe(typeof(BlueprintVersionResponse));
        group.MapGet("/blueprints/{id}/history", Handler(handlers.HistoryAsync)).WithName("IssueCore.GetBlueprintHistory").Describe(typeof(CommitListResponse));
        group.MapGet("/blueprints/{id}/diff", Handler(handlers.DiffAsync)).WithName("IssueCore.DiffBlueprintVersions").Describe(typeof(DiffResponse));
        group.MapGet("/blueprints/{id}/enhance-log", Handler(handlers.BlueprintEnhanceLogAsync)).WithName("IssueCore.ListBlueprintEnhanceLog").Describe(typeof(EnhanceLogListResponse));
        group.MapPost("/blueprints/{id}/archive", Handler(handlers.ArchiveAsync)).WithName("IssueCore.ArchiveBlueprint").Describe(typeof(ArchiveResponse));
        group.MapPost("/blueprints/{id}/unarchive", Handler(handlers.UnarchiveAsync)).WithName("IssueCore.UnarchiveBlueprint").Describe(typeof(ArchiveResponse));
        group.MapGet("/enhance-log", Handler(handlers.EnhanceLogAsync)).WithName("IssueCore.ListEnhanceLog").Describe(typeof(EnhanceLogListResponse));
        group.MapGet("/runs", Handler(handlers.ListRunsAsync)).WithName("IssueCore.ListRuns").Describe(typeof(RunListResponse));
        group.MapGet("/runs/{id}", Handler(handlers.GetRunAsync)).WithName("IssueCore.GetRun").Describe(typeof(RunResponse));
        group.MapGet("/runs/{id}/events", Handler(handlers.RunEventsAsync)).WithName("IssueCore.ListRunEvents").Describe(typeof(RunEventListResponse));
        group.MapGet("/issues/{id}/history", Handler(handlers.IssueHistoryAsync)).WithName("IssueCore.GetIssueHistory").Describe(typeof(IssueHistoryResponse));
        group.MapPost("/issues/{id}/requeue", Handler(handlers.RequeueAsync)).WithName("IssueCore.RequeueIssue").Describe(typeof(RequeueResponse));
        group.MapPost("/issues/{id}/approve", Handler(handlers.ApproveAsync)).WithName("IssueCore.ApproveIssue").Describe(typeof(ApprovalResponse));
        group.MapPost("/issues/{id}/reject", Handler(handlers.RejectAsync)).WithName("IssueCore.RejectIssue").Describe(typeof(ApprovalResponse));
        group.WithTags("IssueCore operator");
        return group;
    }

    /// <summary>
    /// Maps through the delegate overload rather than as a bare <see cref="RequestDelegate"/>, so the endpoint carries
    /// its method and shows in the OpenAPI document; the handler still reads and writes the request by hand.
    /// </summary>
    private static Delegate Handler(Func<HttpContext, Task> handler) => handler;

    /// <summary>Names the success body and the problem answers, for the OpenAPI document.</summary>
    private static IEndpointConventionBuilder Describe(this IEndpointConventionBuilder builder, Type body)
    {
        builder.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, body, ["application/json"]));
        foreach (var status in new[] { StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound })
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        }

        return builder;
    }
}
