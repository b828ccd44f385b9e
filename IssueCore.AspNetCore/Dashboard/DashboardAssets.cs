using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace IssueCore.AspNetCore.Dashboard;

/// <summary>
/// The dashboard's files, read once from the assembly's embedded resources. The page's settings (the API path
/// and the poll interval) are written into <c>index.html</c> as meta tags, HTML-encoded.
/// </summary>
internal sealed class DashboardAssets
{
    internal const string IndexName = "index.html";

    private const string ResourcePrefix = "IssueCore.AspNetCore.Dashboard.";

    private readonly FrozenDictionary<string, DashboardAsset> _assets;

    public DashboardAssets(string apiBasePath, TimeSpan pollInterval)
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            if (name == IndexName)
            {
                var html = Encoding.UTF8.GetString(content)
                    .Replace("{{api-base}}", WebUtility.HtmlEncode(apiBasePath), StringComparison.Ordinal)
                    .Replace("{{poll-ms}}", ((long)pollInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                content = Encoding.UTF8.GetBytes(html);
            }

            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16)) + "\"";
            assets[name] = new DashboardAsset(name, ContentTypeOf(name), content, etag);
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The names of every file served.</summary>
    public IEnumerable<string> Names => _assets.Keys;

    public bool TryGet(string name, out DashboardAsset asset) => _assets.TryGetValue(name, out asset!);

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
