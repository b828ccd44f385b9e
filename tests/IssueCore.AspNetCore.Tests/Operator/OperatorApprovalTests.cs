using System.Net;
using System.Text;
using System.Text.Json;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.AspNetCore.Tests.Operator;

public sealed class OperatorApprovalTests : IAsyncLifetime
{
    private OperatorServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await OperatorServer.StartAsync();
        await _server.SeedOrdersAsync();
        await _server.App.InstallDefaultFlowAsync();
        var settings = _server.Services.GetRequiredService<IEnhanceSettingStore>();
        await settings.PutAsync(EnhanceSettingId.Default, (await settings.GetAsync(EnhanceSettingId.Default)) with { RequireApproval = true });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Approve_by_an_operator_commits_the_waiting_change_once_and_names_the_approver_and_note()
    {
        var id = await ParkAsync("team-q");

        var (first, firstBody) = await DecideAsync(id, "approve", "alice", """{"note":"checked ✓"}""");
        var (again, againBody) = await DecideAsync(id, "approve", "bob", null);
        var (_, log) = await _server.GetAsync("/enhance-log");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("approved", firstBody.GetProperty("decision").GetString());
        Assert.Equal("applied", firstBody.GetProperty("result").GetString());
        Assert.Equal("applied", firstBody.GetProperty("status").GetString());
        Assert.Equal("alice", firstBody.GetProperty("decided_by").GetString());
        Assert.Equal("checked ✓", firstBody.GetProperty("note").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal(409, againBody.GetProperty("status").GetInt32());
        var entry = log.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("issue_id").GetString() == id.Value);
        Assert.Equal("alice", entry.GetProperty("approver").GetString());
        Assert.Equal("checked ✓", entry.GetProperty("approval_note").GetString());
    }

    [Fact]
    public async Task Reject_by_an_operator_ends_the_issue_rejected_and_commits_nothing()
    {
        var id = await ParkAsync("team-r");
        var head = (await _server.Blueprints.ReadHeadAsync(OperatorServer.Orders)).Value.Version;

        var (response, body) = await DecideAsync(id, "reject", "carol", """{"note":"not now"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("rejected", body.GetProperty("result").GetString());
        Assert.Equal("rejected by carol: not now", body.GetProperty("reason").GetString());
        Assert.Equal(head, (await _server.Blueprints.ReadHeadAsync(OperatorServer.Orders)).Value.Version);
    }

    [Fact]
    public async Task Approving_an_issue_that_does_not_wait_is_a_409_problem_and_a_reader_key_is_refused()
    {
        var deadLetter = await _server.DeadLetterAsync();
        var waiting = await ParkAsync("team-s");

        var (notWaiting, notWaitingBody) = await DecideAsync(deadLetter, "approve", "alice", null);
        var (reader, readerBody) = await _server.SendAsync(HttpMethod.Post, $"/issues/{waiting}/approve", OperatorServer.ReadKey);
        var (badBody, badBodyProblem) = await DecideAsync(waiting, "approve", "alice", "[1,2]");

        Assert.Equal(HttpStatusCode.Conflict, notWaiting.StatusCode);
        Assert.Contains("not waiting for approval", notWaitingBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Equal(403, readerBody.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, badBody.StatusCode);
        Assert.Equal(400, badBodyProblem.GetProperty("status").GetInt32());
        Assert.Equal(IssueState.AwaitingApproval, (await _server.Issues.GetAsync(waiting)).Status.State);
    }

    private async Task<IssueId> ParkAsync(string owner)
    {
        var created = await _server.App.HandleAsync(new IssueDraft
        {
            BlueprintId = OperatorServer.Orders,
            Intent = "change owner",
            Patch = JsonDocument.Parse($$"""[{"op":"replace","path":"/metadata/owner","value":"{{owner}}"}]""").RootElement.Clone(),
        });
        var outcome = await _server.App.TickAsync();
        Assert.Equal(DispatchResult.AwaitingApproval, outcome?.Result);
        return created.Issue.Id;
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> DecideAsync(IssueId id, string action, string who, string? body)
    {
        var request = OperatorServer.Request(HttpMethod.Post, $"/issues/{id}/{action}", OperatorServer.OperatorKey);
        request.Headers.Add("X-IssueCore-Operator", who);
        request.Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json");
        var response = await _server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response, document.RootElement.Clone());
    }
}
