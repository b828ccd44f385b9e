using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using IssueCore.AspNetCore.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.AspNetCore.Tests;

public sealed class DashboardEndpointTests
{
    private static readonly string[] Files = ["index.html", "dashboard.js", "dashboard.css", "favicon.svg"];

    private static Task<IssueCoreServer> StartAsync(Action<IssueCoreDashboardOptions>? configure = null)
        => IssueCoreServer.StartAsync(
            services => services.AddIssueCoreIngestion().UseInMemory(),
            app =>
            {
                app.MapIssueCore(o => o.ApiKey = IssueCoreServer.ApiKey);
                app.MapIssueCoreDashboard("/issuecore", configure);
            });

    [Theory]
    [InlineData("issuecore/", "text/html; charset=utf-8")]
    [InlineData("issuecore/dashboard.js", "text/javascript; charset=utf-8")]
    [InlineData("issuecore/dashboard.css", "text/css; charset=utf-8")]
    [InlineData("issuecore/favicon.svg", "image/svg+xml")]
    public async Task Every_file_is_served_with_its_content_type_and_security_headers(string path, string contentType)
    {
        await using var server = await StartAsync();

        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.ToString());
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.True(body.Length > 100);
        AssertSecurityHeaders(response);
        Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task The_content_security_policy_allows_only_the_dashboards_own_files_and_same_origin_calls()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.GetAsync("issuecore/");
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();

        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_path_without_a_trailing_slash_redirects_so_relative_urls_resolve()
    {
        await using var server = await StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };

        using var response = await client.GetAsync("issuecore?x=1");

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal("/issuecore/?x=1", response.Headers.Location!.OriginalString);
        AssertSecurityHeaders(response);
    }

    [Theory]
    [InlineData("issuecore/secrets.json")]
    [InlineData("issuecore/Dashboard.js")]
    [InlineData("issuecore/..%2Fappsettings.json")]
    public async Task An_unknown_file_is_not_found(string path)
    {
        await using var server = await StartAsync();

        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task An_unchanged_file_is_revalidated_with_its_etag()
    {
        await using var server = await StartAsync();
        using var first = await server.Client.GetAsync("issuecore/dashboard.js");
        using var request = new HttpRequestMessage(HttpMethod.Get, "issuecore/dashboard.js");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var second = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task No_served_file_carries_the_api_key_or_loads_anything_from_another_origin()
    {
        await using var server = await StartAsync();

        foreach (var file in Files)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"issuecore/{file}");
            // Even a caller that presents the key gets the same bytes: nothing about the key is written into a page.
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", IssueCoreServer.ApiKey);
            using var response = await server.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();

            Assert.DoesNotContain(IssueCoreServer.ApiKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(IssueCoreServer.ApiKey[..16], text, StringComparison.Ordinal);
            Assert.DoesNotMatch(new Regex(@"(src|href|action)\s*=\s*""(https?:)?//", RegexOptions.IgnoreCase), text);
            Assert.DoesNotMatch(new Regex(@"url\(\s*['""]?(https?:)?//", RegexOptions.IgnoreCase), text);
            Assert.DoesNotMatch(new Regex(@"fetch\(\s*['""`]https?:", RegexOptions.IgnoreCase), text);
            Assert.DoesNotContain("localStorage", text, StringComparison.Ordinal);
            Assert.DoesNotContain("document.cookie", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_page_has_no_inline_script_or_style_and_builds_no_markup_from_strings()
    {
        await using var server = await StartAsync();

        var html = await server.Client.GetStringAsync("issuecore/");
        var script = await server.Client.GetStringAsync("issuecore/dashboard.js");

        Assert.DoesNotMatch(new Regex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"\sstyle\s*=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("innerHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("outerHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("insertAdjacentHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("eval(", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_path_and_poll_interval_are_written_into_the_page_encoded()
    {
        await using var server = await StartAsync(o =>
        {
            o.ApiBasePath = "/ops&api";
            o.PollInterval = TimeSpan.FromSeconds(5);
        });

        var html = await server.Client.GetStringAsync("issuecore/");

        Assert.Contains("<meta name=\"issuecore-api-base\" content=\"/ops&amp;api\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"issuecore-poll-ms\" content=\"5000\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_requests_get_the_headers_without_a_body()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "issuecore/dashboard.css"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task The_dashboard_is_served_without_an_api_key_while_the_api_still_requires_one()
    {
        await using var server = await StartAsync();

        using var page = await server.Client.GetAsync("issuecore/");
        using var api = await server.Client.GetAsync("issues");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("issuecore")]
    [InlineData("/issuecore/")]
    [InlineData("/{tenant}/issuecore")]
    public async Task An_invalid_path_fails_the_mapping(string pattern)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => IssueCoreServer.StartAsync(_ => { }, app => app.MapIssueCoreDashboard(pattern)));
    }

    [Theory]
    [InlineData("api", 2000)]
    [InlineData("/api/", 2000)]
    [InlineData("/a\"b", 2000)]
    [InlineData("", 100)]
    [InlineData("", 120_000)]
    public async Task Invalid_options_fail_the_mapping(string apiBasePath, int pollMilliseconds)
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => IssueCoreServer.StartAsync(_ => { }, app => app.MapIssueCoreDashboard("/issuecore", o =>
        {
            o.ApiBasePath = apiBasePath;
            o.PollInterval = TimeSpan.FromMilliseconds(pollMilliseconds);
        })));
    }

    [Fact]
    public void Every_embedded_file_is_known_to_the_tests()
    {
        var assets = new DashboardAssets(string.Empty, TimeSpan.FromSeconds(2));

        Assert.Equal(Files.Order(StringComparer.Ordinal), assets.Names.Order(StringComparer.Ordinal));
        Assert.True(assets.TryGet("index.html", out var index));
        Assert.Contains("dashboard.js", Encoding.UTF8.GetString(index.Content), StringComparison.Ordinal);
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal(DashboardEndpoints.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }
}
