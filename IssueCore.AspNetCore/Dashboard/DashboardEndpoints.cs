using Microsoft.AspNetCore.Http;

namespace IssueCore.AspNetCore.Dashboard;

/// <summary>Serves the dashboard's files with strict security headers.</summary>
internal sealed class DashboardEndpoints(DashboardAssets assets)
{
    /// <summary>
    /// Only the dashboard's own script and style, calls to the same origin, nothing inline, no frames, no forms
    /// posting elsewhere: an injected string in an issue's title can neither run nor load anything.
    /// </summary>
    internal const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public Task IndexAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (!path.EndsWith('/'))
        {
            // The page loads its files by relative URL, which needs the trailing slash.
            context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            context.Response.Headers.Location = context.Request.PathBase.Add(context.Request.Path).Value + "/" + context.Request.QueryString.Value;
            WriteSecurityHeaders(context.Response);
            return Task.CompletedTask;
        }

        return ServeAsync(context, DashboardAssets.IndexName);
    }

    public Task FileAsync(HttpContext context)
        => ServeAsync(context, context.Request.RouteValues["file"] as string ?? string.Empty);

    private async Task ServeAsync(HttpContext context, string name)
    {
        var response = context.Response;
        WriteSecurityHeaders(response);
        if (!assets.TryGet(name, out var asset))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // Revalidated on every load, so an upgraded package is picked up at once; unchanged files cost a 304.
        response.Headers.CacheControl = "no-cache";
        response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await response.Body.WriteAsync(asset.Content, context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
}
