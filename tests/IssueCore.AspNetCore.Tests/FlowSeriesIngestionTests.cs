using System.Net;

namespace IssueCore.AspNetCore.Tests;

public sealed class FlowSeriesIngestionTests
{
    [Fact]
    public async Task Post_targeting_the_enhance_flow_series_is_422_naming_the_target_and_stores_nothing()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var json = IssueCoreServer.ValidJson.Replace("\"target_repo\":\"activity-core\"", "\"target_repo\":\"enhance-default\"", StringComparison.Ordinal);

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(json));

        var problem = await IssueEndpointTests.AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("$.target_repo", error.GetProperty("path").GetString());
        Assert.Contains("flow that judges issues", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await server.CountAsync());
    }
}
