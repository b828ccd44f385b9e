using IssueCore;
using IssueCore.AspNetCore;
using IssueCore.AspNetCore.Issues;
using IssueCore.AspNetCore.Security;
using IssueCore.Ingestion;
using IssueCore.Issues;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the IssueCore HTTP endpoints.</summary>
public static class IssueCoreEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST /issues/</c> (ingest; 201 created, 200 for a duplicate), <c>GET /issues/{id}</c>
    /// (status, outcome and enhance log entry) and <c>GET /issues?status=&amp;limit=&amp;page=</c>
    /// (keyed pages) under an API key (several for rotation). Errors are RFC 9457 problem details: 400 malformed JSON or
    /// query, 401 missing or wrong key, 404 unknown issue, 413 body over
    /// <see cref="IssueIngestionOptions.MaxBodyBytes"/>, 415 not JSON, 422 validation (with an
    /// <c>errors</c> list of <c>{path, message}</c>).
    /// </summary>
    /// <param name="endpoints">The route builder (usually the <c>WebApplication</c>).</param>
    /// <param name="configure">Configures the endpoint options; may be <see langword="null"/>.</param>
    /// <returns>The <c>/issues</c> route group, to add conventions (rate limiting, CORS, OpenAPI).</returns>
    /// <exception cref="InvalidOperationException">
    /// No API key is configured and anonymous development is not allowed, the options are invalid,
    /// or ingestion (<c>AddIssueCoreIngestion()</c>) or an <see cref="IIssueStore"/> is not registered.
    /// </exception>
    public static RouteGroupBuilder MapIssueCore(this IEndpointRouteBuilder endpoints, Action<IssueCoreEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = new IssueCoreEndpointOptions();
        configure?.Invoke(options);

        var services = endpoints.ServiceProvider;
        var keys = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.ApiKey))
        {
            keys.Add(options.ApiKey);
        }

        keys.AddRange(options.ApiKeys);
        if (keys.Count == 0)
        {
            var configured = services.GetService<IConfiguration>()?[IssueCoreEndpointOptions.ApiKeyEnvironmentVariable]
                             ?? Environment.GetEnvironmentVariable(IssueCoreEndpointOptions.ApiKeyEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                keys.AddRange(configured.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            }
        }

        if (keys.Count == 0 && !options.AllowAnonymousDevelopment)
        {
            throw new InvalidOperationException(
                $"IssueCore endpoints need an API key: set IssueCoreEndpointOptions.ApiKey (or ApiKeys) or the {IssueCoreEndpointOptions.ApiKeyEnvironmentVariable} environment variable (or set AllowAnonymousDevelopment for local development only).");
        }

        for (var i = 0; i < keys.Count; i++)
        {
            // The message names the key's position, never the key.
            if (keys[i].Length < IssueCoreEndpointOptions.MinimumApiKeyLength || keys[i].Any(c => char.IsWhiteSpace(c) || c == ',' || char.IsControl(c)))
            {
                throw new InvalidOperationException(
                    $"IssueCore API key #{i + 1} is too weak: a key must have at least {IssueCoreEndpointOptions.MinimumApiKeyLength} characters and no white space or commas (generate one from 32 random bytes).");
            }
        }

        if (options.DefaultPageSize is < 1 or > 1000)
        {
            throw new InvalidOperationException("IssueCoreEndpointOptions.DefaultPageSize must be between 1 and 1000.");
        }

        if (services.GetService<IIssueIngestionService>() is null)
        {
            throw new InvalidOperationException("IssueCore ingestion is not registered: call services.AddIssueCoreIngestion() (and a store such as UseInMemory()).");
        }

        if (services.GetService<IIssueStore>() is null)
        {
            throw new InvalidOperationException("No IIssueStore is registered: call an adapter such as services.UseInMemory().");
        }

        if (keys.Count == 0)
        {
            var logger = (services.GetService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("IssueCore.AspNetCore");
            EndpointLog.Anonymous(logger, "/issues");
        }

        var handlers = new IssueEndpoints(new ApiKeyAuthenticator(keys), options.DefaultPageSize, options.ExposeErrorDetail);
        var group = endpoints.MapGroup("/issues");
        group.MapPost("/", handlers.PostAsync).WithName("IssueCore.Ingest");
        group.MapGet("/{id}", handlers.GetAsync).WithName("IssueCore.GetIssue");
        group.MapGet("/", handlers.ListAsync).WithName("IssueCore.ListIssues");
        return group;
    }
}
