using System.Net;
using System.Text.Json;
using IssueCore.Blueprints;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.AspNetCore.Tests;

public sealed class HttpOutputTests
{
    [Fact]
    public async Task Json_bodies_keep_quotes_angle_brackets_and_arrows_unescaped()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var json = IssueCoreServer.ValidJson.Replace("Run SBOM rescan for activity-core", "Don't map <a> -> <b> & more", StringComparison.Ordinal);
        using var posted = await server.Client.SendAsync(IssueCoreServer.Post(json));
        var id = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("issue_id").GetString();

        using var read = await server.Client.SendAsync(IssueCoreServer.Get($"issues/{id}"));
        var text = await read.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("Don't map <a> -> <b> & more", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u003E", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Issue_url_is_omitted_when_no_base_url_is_configured()
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.DoesNotContain("issue_url", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_carries_a_trace_id()
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var unauthorized = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson, key: null));
        using var invalid = await server.Client.SendAsync(IssueCoreServer.Post("{}"));
        using var missing = await server.Client.SendAsync(IssueCoreServer.Get("issues/nope"));

        foreach (var (response, status) in new[] { (unauthorized, HttpStatusCode.Unauthorized), (invalid, HttpStatusCode.UnprocessableEntity), (missing, HttpStatusCode.NotFound) })
        {
            var problem = await IssueEndpointTests.AssertProblemAsync(response, status);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("traceId").GetString()));
        }
    }

    [Fact]
    public async Task A_post_for_a_series_that_does_not_exist_is_422_naming_target_repo_and_stores_nothing()
    {
        await using var server = await IssueCoreServer.StartAsync(ingestion: o => o.RequireExistingSeries = true);

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));

        var problem = await IssueEndpointTests.AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("$.target_repo", error.GetProperty("path").GetString());
        Assert.Contains("'activity-core'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await server.CountAsync());
    }

    [Fact]
    public async Task A_post_for_an_existing_series_is_201_and_its_exact_replay_200()
    {
        await using var server = await IssueCoreServer.StartAsync(ingestion: o => o.RequireExistingSeries = true);
        await server.Services.GetRequiredService<IBlueprintStore>().WriteNewAsync(
            BlueprintId.Parse("activity-core"),
            Blueprint.Parse("""{"id":"activity-core","metadata":{"version_label":"1.0.0"},"agents":[],"flow":{"kind":"seq","children":[]}}"""),
            [],
            new CommitMetadata("seed", Origin: "seed"));

        using var first = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        using var replay = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        using var reused = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson.Replace("\"medium\"", "\"high\"", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        await IssueEndpointTests.AssertProblemAsync(reused, HttpStatusCode.Conflict);
        Assert.Equal(1, await server.CountAsync());
    }
}
