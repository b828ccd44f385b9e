using System.Net;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.AspNetCore.Tests.Operator;

public sealed class OperatorScaleTests
{
    [Fact]
    public async Task Two_operators_requeueing_one_dead_letter_at_the_same_moment_get_it_applied_exactly_once()
    {
        await using var server = await OperatorServer.StartAsync();
        await server.App.InstallDefaultFlowAsync();
        await server.Blueprints.WriteNewAsync(OperatorServer.Orders, OperatorServer.OrdersV1, [], new CommitMetadata("seed", Origin: "seed"));
        var id = await server.DeadLetterAsync();
        using var start = new ManualResetEventSlim();

        var racers = new[] { "alice", "bob" }.Select(name => Task.Run(async () =>
        {
            start.Wait();
            var request = OperatorServer.Request(HttpMethod.Post, $"/issues/{id}/requeue", OperatorServer.OperatorKey);
            request.Headers.Add("X-IssueCore-Operator", name);
            var response = await server.Client.SendAsync(request);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, Requeued: body.RootElement.GetProperty("requeued").GetBoolean());
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(racers);
        var outcomes = new List<DispatchOutcome>();
        while (await server.App.TickAsync() is { } outcome)
        {
            outcomes.Add(outcome);
        }

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(results, r => r.Requeued);
        Assert.Equal(DispatchResult.Applied, Assert.Single(outcomes).Result);
        var issue = await server.Issues.GetAsync(id);
        Assert.Equal(IssueState.Applied, issue.Status.State);
        Assert.NotNull(await server.Blueprints.FindCommitByIssueAsync(OperatorServer.Orders, id));
        Assert.Equal(2, (await server.Blueprints.HistoryAsync(OperatorServer.Orders, 10)).Count);
        Assert.Single(await server.Issues.ListRequeuesAsync(id));
        Assert.Equal(1, (await server.Log.GetAsync(id)).Round);
    }
}
