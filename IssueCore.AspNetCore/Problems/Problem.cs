using System.Diagnostics;
using IssueCore.AspNetCore.Issues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace IssueCore.AspNetCore.Problems;

/// <summary>Writes RFC 9457 problem details with the source-generated serializer.</summary>
internal static class Problem
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext context, int status, string detail, IReadOnlyList<ValidationError>? errors = null)
    {
        var body = new ProblemResponse(
            "about:blank",
            ReasonPhrases.GetReasonPhrase(status),
            status,
            detail,
            context.Request.Path.Value,
            errors?.Select(e => new ProblemError(e.Path, e.Message)).ToArray(),
            Activity.Current?.Id ?? context.TraceIdentifier);
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        return TypedResults.Json(body, IssueCoreHttpJsonContext.Web.ProblemResponse, ContentType, status).ExecuteAsync(context);
    }
}
