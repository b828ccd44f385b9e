using System.Buffers;
using System.Globalization;
using IssueCore.AspNetCore.Problems;
using IssueCore.AspNetCore.Security;
using IssueCore.Enhance;
using IssueCore.Ingestion;
using IssueCore.Issues;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.AspNetCore.Issues;

/// <summary>The request handlers. Everything is written by hand so no reflection-based binding or serialization is involved.</summary>
internal sealed class IssueEndpoints(ApiKeyAuthenticator authenticator, int defaultPageSize, bool exposeErrorDetail)
{
    private const string IdempotencyKeyHeader = "Idempotency-Key";
    private const string TraceParentHeader = "traceparent";

    public async Task PostAsync(HttpContext context)
    {
        if (!authenticator.IsAuthorized(context.Request))
        {
            await Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, "A valid API key is required (Authorization: Bearer <key> or X-API-Key).").ConfigureAwait(false);
            return;
        }

        if (!RequestBody.IsJson(context.Request))
        {
            await Problem.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "The body must be JSON: Content-Type application/json (UTF-8).").ConfigureAwait(false);
            return;
        }

        var idempotencyHeader = context.Request.Headers[IdempotencyKeyHeader];
        if (idempotencyHeader.Count > 1)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "Idempotency-Key may be given only once.").ConfigureAwait(false);
            return;
        }

        var services = context.RequestServices;
        var maxBytes = services.GetRequiredService<IOptions<IssueIngestionOptions>>().Value.MaxBodyBytes;
        var cancellationToken = context.RequestAborted;
        (byte[] Buffer, int Length)? body;
        try
        {
            body = await RequestBody.ReadAsync(context.Request, maxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await Problem.WriteAsync(context, ex.StatusCode, "The request body could not be read.").ConfigureAwait(false);
            return;
        }

        if (body is not { } read)
        {
            await Problem.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, $"The body must be at most {maxBytes} bytes.").ConfigureAwait(false);
            return;
        }

        try
        {
            var json = read.Buffer.AsMemory(0, read.Length);
            if (RequestBody.WhyMalformed(json.Span) is { } malformed)
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, malformed).ConfigureAwait(false);
                return;
            }

            IngestionResult result;
            try
            {
                var ingestion = services.GetRequiredService<IIssueIngestionService>();
                var transport = new IngestionContext
                {
                    IdempotencyKey = idempotencyHeader.Count == 1 ? idempotencyHeader[0] : null,
                    TraceParent = context.Request.Headers[TraceParentHeader] is { Count: 1 } traceParent ? traceParent[0] : null,
                };
                result = await ingestion.IngestTransportJsonAsync(json, transport, cancellationToken).ConfigureAwait(false);
            }
            catch (ValidationException ex)
            {
                await Problem.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "The ingestion request is invalid; see errors.", ex.Errors).ConfigureAwait(false);
                return;
            }
            catch (ConflictException ex)
            {
                // An idempotency key reused for a different payload (the IETF Idempotency-Key convention): 409.
                await Problem.WriteAsync(context, StatusCodes.Status409Conflict, ex.Message).ConfigureAwait(false);
                return;
            }
            catch (StorageException)
            {
                await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The issue store is unavailable; retry later with the same triggering_event_id.").ConfigureAwait(false);
                return;
            }

            var response = new IngestionResponse(result.IssueId.Value, result.IssueUrl, result.Backend, result.Created)
            {
                Warnings = result.Warnings.Count > 0 ? [.. result.Warnings.Select(w => new IngestionWarningResponse(w.Path, w.Message))] : null,
            };
            if (result.Created)
            {
                var path = context.Request.PathBase.Add(context.Request.Path).Value!.TrimEnd('/');
                context.Response.Headers.Location = $"{path}/{Uri.EscapeDataString(result.IssueId.Value)}";
            }

            await TypedResults.Json(response, IssueCoreHttpJsonContext.Web.IngestionResponse, statusCode: result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK)
                .ExecuteAsync(context).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(read.Buffer);
        }
    }

    public async Task GetAsync(HttpContext context)
    {
        if (!authenticator.IsAuthorized(context.Request))
        {
            await Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, "A valid API key is required (Authorization: Bearer <key> or X-API-Key).").ConfigureAwait(false);
            return;
        }

        var text = context.Request.RouteValues["id"] as string;
        var services = context.RequestServices;
        var cancellationToken = context.RequestAborted;
        var issue = IssueId.TryParse(text, null, out var id)
            ? await services.GetRequiredService<IIssueStore>().FindAsync(id, cancellationToken).ConfigureAwait(false)
            : null;
        if (issue is null)
        {
            await Problem.WriteAsync(context, StatusCodes.Status404NotFound, $"Issue '{text}' was not found.").ConfigureAwait(false);
            return;
        }

        var log = services.GetService<IEnhanceLogStore>() is { } logStore
            ? await logStore.FindAsync(issue.Id, cancellationToken).ConfigureAwait(false)
            : null;
        await TypedResults.Json(ToResponse(issue, log), IssueCoreHttpJsonContext.Web.IssueResponse).ExecuteAsync(context).ConfigureAwait(false);
    }

    public async Task ListAsync(HttpContext context)
    {
        if (!authenticator.IsAuthorized(context.Request))
        {
            await Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, "A valid API key is required (Authorization: Bearer <key> or X-API-Key).").ConfigureAwait(false);
            return;
        }

        var query = context.Request.Query;
        IssueState? state = null;
        if (query["status"] is { Count: > 0 } statusText && !string.IsNullOrEmpty(statusText[0]))
        {
            if (statusText.Count > 1 || !TryParseState(statusText[0]!, out var parsed))
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "status must be one of: pending, running, applied, rejected, failed.").ConfigureAwait(false);
                return;
            }

            state = parsed;
        }

        var limit = defaultPageSize;
        if (query["limit"] is { Count: > 0 } limitText && !string.IsNullOrEmpty(limitText[0]))
        {
            if (limitText.Count > 1 || !int.TryParse(limitText[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000)
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "limit must be an integer between 1 and 1000.").ConfigureAwait(false);
                return;
            }
        }

        var page = query["page"] is { Count: 1 } pageText && !string.IsNullOrEmpty(pageText[0]) ? pageText[0] : null;
        IssuePage result;
        try
        {
            result = await context.RequestServices.GetRequiredService<IIssueStore>()
                .ListAsync(new IssueQuery { State = state, Limit = limit, ContinuationToken = page }, context.RequestAborted)
                .ConfigureAwait(false);
        }
        catch (ValidationException)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "page is not a continuation token returned by this endpoint.").ConfigureAwait(false);
            return;
        }

        var items = result.Items.Select(issue => ToResponse(issue, null)).ToArray();
        await TypedResults.Json(new IssueListResponse(items, result.ContinuationToken), IssueCoreHttpJsonContext.Web.IssueListResponse)
            .ExecuteAsync(context).ConfigureAwait(false);
    }

    private static bool TryParseState(string text, out IssueState state)
    {
        state = default;
        return !int.TryParse(text, out _) && Enum.TryParse(text, ignoreCase: true, out state) && Enum.IsDefined(state);
    }

    /// <summary>The stable <c>last_error</c> shown instead of the dispatcher's own error text.</summary>
    internal const string DispatchError = "dispatch_error";

    /// <summary>The stable reason of a failed issue shown instead of the dispatcher's own error text.</summary>
    internal const string DispatchFailed = "dispatch_failed";

    private IssueResponse ToResponse(Issue issue, EnhanceLogEntry? log) => new(
        issue.Id.Value,
        issue.BlueprintId.Value,
        issue.Title,
        issue.Description,
        issue.Intent,
        Lower(issue.Priority.ToString()),
        issue.Labels,
        Lower(issue.Status.State.ToString()),
        issue.Status.NewVersion?.Value,
        // A rejection's reason is the verifiers' answer to the caller; a failure's reason and the last
        // error are the dispatcher's own exception text (hosts, paths, data), kept for the server's log.
        issue.Status.State == IssueState.Failed && !exposeErrorDetail ? DispatchFailed : issue.Status.Reason,
        issue.Attempts,
        issue.LastError is not null && !exposeErrorDetail ? DispatchError : issue.LastError,
        issue.DueAt,
        issue.Source is { } source
            ? new IssueSourceResponse(Lower(source.Type.ToString()), source.SourceId, source.TriggeringEventId, source.ActivityDefinitionId)
            : null,
        issue.CreatedAt,
        issue.UpdatedAt,
        log is null
            ? null
            : new EnhanceLogResponse(
                Lower(log.Outcome.ToString()),
                log.BlueprintId.Value,
                log.PreviousVersion?.Value,
                log.NewVersion?.Value,
                log.Rationale,
                [.. log.Verdicts.Select(v => new VerdictResponse(v.Axis, Lower(v.Status.ToString()), v.Detail))],
                log.Reasons,
                log.Timestamp) { RunId = log.RunId?.Value },
        issue.Patch)
    {
        TargetRepo = issue.TargetRepo,
        RunId = issue.RunId?.Value,
        TraceParent = issue.TraceParent,
    };

    private static string Lower(string text) => text.ToLowerInvariant();
}
