using System.Net;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.AspNetCore.Tests.Operator;

public sealed class OperatorApiTests : IAsyncLifetime
{
    private const string UnknownVersion = "0000000000000000000000000000000000000000000000000000000000000000";
    private OperatorServer _server = null!;
    private BlueprintVersion[] _versions = [];
    private CouncilRunId _run;
    private IssueId _deadLetter;

    public async Task InitializeAsync()
    {
        _server = await OperatorServer.StartAsync();
        _versions = await _server.SeedOrdersAsync();
        _deadLetter = await _server.DeadLetterAsync();
        await _server.Log.AppendAsync(new EnhanceLogEntry
        {
            IssueId = IssueId.Parse("issue:c"),
            BlueprintId = OperatorServer.Orders,
            PreviousVersion = _versions[1],
            NewVersion = _versions[2],
            Intent = "owner c",
            Rationale = "asked for",
            Verdicts = [new VerdictSummary("des", VerdictStatus.Pass, "ok")],
            Outcome = EnhanceOutcome.Applied,
            Timestamp = DateTimeOffset.UnixEpoch.AddDays(1),
        });
        _run = CouncilRunId.New();
        await _server.Runs.CreateRunAsync(new CouncilRun
        {
            Id = _run,
            FlowId = "enhance-default",
            Subject = "issue:c",
            Status = CouncilRunStatus.Running,
            Graph = JsonDocument.Parse("""{"plan":[]}""").RootElement.Clone(),
            CreatedAt = DateTimeOffset.UnixEpoch,
            UpdatedAt = DateTimeOffset.UnixEpoch,
        });
        await _server.Runs.AppendEventAsync(new CouncilRunEventDraft(_run, 0, "step_started", "spawn", JsonDocument.Parse("{}").RootElement.Clone()));
        await _server.Runs.AppendEventAsync(new CouncilRunEventDraft(_run, 1, "step_completed", "spawn", JsonDocument.Parse("""{"ok":true}""").RootElement.Clone()));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> ReadPaths => new()
    {
        "/blueprints",
        "/blueprints/orders",
        $"/blueprints/orders/versions/{UnknownVersion}",
        "/blueprints/orders/history",
        $"/blueprints/orders/diff?from={UnknownVersion}&to={UnknownVersion}",
        "/blueprints/orders/enhance-log",
        "/enhance-log",
        "/runs",
        "/runs/some-run",
        "/runs/some-run/events",
        "/issues/issue:x/history",
    };

    public static TheoryData<string> ActPaths => new() { "/issues/issue:x/requeue", "/blueprints/orders/archive", "/blueprints/orders/unarchive", "/issues/issue:x/approve", "/issues/issue:x/reject" };

    [Theory]
    [MemberData(nameof(ReadPaths))]
    public async Task Every_read_endpoint_without_a_valid_key_is_401_problem(string path)
    {
        foreach (var key in new[] { null, "wrong-key-0123456789-abcdefghijklmnopqrs" })
        {
            var (response, body) = await _server.GetAsync(path, key);

            AssertProblem(response, body, HttpStatusCode.Unauthorized);
        }
    }

    [Theory]
    [MemberData(nameof(ActPaths))]
    public async Task Every_action_is_401_without_a_key_and_403_with_a_read_key_and_changes_nothing(string path)
    {
        var (anonymous, anonymousBody) = await _server.SendAsync(HttpMethod.Post, path, key: null);
        var (reader, readerBody) = await _server.SendAsync(HttpMethod.Post, path, OperatorServer.ReadKey);

        AssertProblem(anonymous, anonymousBody, HttpStatusCode.Unauthorized);
        AssertProblem(reader, readerBody, HttpStatusCode.Forbidden);
        Assert.False(await _server.Blueprints.IsArchivedAsync(OperatorServer.Orders));
    }

    [Fact]
    public async Task A_registered_authorizer_decides_every_verb_instead_of_the_key_roles()
    {
        await using var server = await OperatorServer.StartAsync(s => s.AddSingleton<IIssueCoreAuthorizer>(new RoleHeaderAuthorizer()));
        await server.SeedOrdersAsync();

        var refused = await server.Client.SendAsync(OperatorServer.Request(HttpMethod.Post, "/blueprints/orders/archive", OperatorServer.OperatorKey));
        var allowedRequest = OperatorServer.Request(HttpMethod.Post, "/blueprints/orders/archive", OperatorServer.ReadKey);
        allowedRequest.Headers.Add("X-Role", "admin");
        var allowed = await server.Client.SendAsync(allowedRequest);
        var readRefused = await server.Client.SendAsync(OperatorServer.Request(HttpMethod.Get, "/blueprints", OperatorServer.ReadKey));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readRefused.StatusCode);
        Assert.True(await server.Blueprints.IsArchivedAsync(OperatorServer.Orders));
    }

    [Theory]
    [InlineData("/blueprints/nothing")]
    [InlineData($"/blueprints/orders/versions/{UnknownVersion}")]
    [InlineData("/blueprints/nothing/history")]
    [InlineData($"/blueprints/orders/diff?from={UnknownVersion}&to={UnknownVersion}")]
    [InlineData("/blueprints/nothing/enhance-log")]
    [InlineData("/runs/no-such-run")]
    [InlineData("/runs/no-such-run/events")]
    [InlineData("/issues/issue:none/history")]
    public async Task Unknown_resources_are_404_problem(string path)
    {
        var (response, body) = await _server.GetAsync(path);

        AssertProblem(response, body, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/issues/issue:none/requeue")]
    [InlineData("/issues/issue:none/approve")]
    [InlineData("/issues/issue:none/reject")]
    [InlineData("/blueprints/nothing/archive")]
    [InlineData("/blueprints/nothing/unarchive")]
    public async Task Actions_on_unknown_resources_are_404_problem(string path)
    {
        var (response, body) = await _server.SendAsync(HttpMethod.Post, path, OperatorServer.OperatorKey);

        AssertProblem(response, body, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/blueprints?limit=0")]
    [InlineData("/blueprints?limit=1001")]
    [InlineData("/blueprints?limit=ten")]
    [InlineData("/blueprints?page=forged")]
    [InlineData("/blueprints?include_archived=yes")]
    [InlineData("/blueprints/orders/versions/not-a-version")]
    [InlineData("/blueprints/orders/history?page=op1.Zm9yZ2Vk")]
    [InlineData("/blueprints/orders/diff?from=abc")]
    [InlineData($"/blueprints/orders/diff?from={UnknownVersion}")]
    [InlineData("/blueprints/orders/enhance-log?limit=-1")]
    [InlineData("/enhance-log?page=op1.bm8gc3VjaCBpc3N1ZQ")]
    [InlineData("/runs?status=sleeping")]
    [InlineData("/runs/%20bad%20/events")]
    [InlineData("/blueprints/%20bad%20")]
    [InlineData("/issues/%20bad%20/history")]
    public async Task Bad_input_is_400_problem(string path)
    {
        var (response, body) = await _server.GetAsync(path);

        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Bad_input_to_an_action_and_to_the_event_stream_is_400_problem()
    {
        var (requeue, requeueBody) = await _server.SendAsync(HttpMethod.Post, "/issues/%20bad%20/requeue", OperatorServer.OperatorKey);
        var stream = await _server.Client.SendAsync(OperatorServer.Request(HttpMethod.Get, $"/runs/{_run}/events?after=-3", accept: "text/event-stream"));

        AssertProblem(requeue, requeueBody, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.BadRequest, stream.StatusCode);
        Assert.Equal("application/problem+json", stream.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Blueprints_list_each_series_with_its_head_label_and_archived_flag()
    {
        var (response, body) = await _server.GetAsync("/blueprints");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = Assert.Single(body.GetProperty("items").EnumerateArray());
        Assert.Equal("orders", item.GetProperty("blueprint_id").GetString());
        Assert.Equal(_versions[2].Value, item.GetProperty("head_version").GetString());
        Assert.Equal("1.0.2", item.GetProperty("version_label").GetString());
        Assert.False(item.GetProperty("archived").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("next_page").ValueKind);
    }

    [Fact]
    public async Task Blueprint_returns_the_head_document_with_its_trace_and_a_version_by_its_hash()
    {
        var (head, headBody) = await _server.GetAsync("/blueprints/orders");
        var (first, firstBody) = await _server.GetAsync($"/blueprints/orders/versions/{_versions[0]}");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(_versions[2].Value, headBody.GetProperty("version").GetString());
        Assert.True(headBody.GetProperty("is_head").GetBoolean());
        Assert.Equal("team-c", headBody.GetProperty("document").GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal(_versions[1].Value, Assert.Single(headBody.GetProperty("trace").GetProperty("parents").EnumerateArray()).GetString());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(firstBody.GetProperty("is_head").GetBoolean());
        Assert.Equal("team-a", firstBody.GetProperty("document").GetProperty("metadata").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task History_pages_newest_first_and_names_the_issue_of_each_commit()
    {
        var (firstPage, first) = await _server.GetAsync("/blueprints/orders/history?limit=2");
        var (_, second) = await _server.GetAsync("/blueprints/orders/history?limit=2&page=" + Uri.EscapeDataString(first.GetProperty("next_page").GetString()!));

        Assert.Equal(HttpStatusCode.OK, firstPage.StatusCode);
        var versions = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(_versions.Reverse().Select(v => v.Value), versions.Select(v => v.GetProperty("version").GetString()));
        Assert.Equal(["issue:c", "issue:b", null], versions.Select(v => v.GetProperty("issue_id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_page").ValueKind);
    }

    [Fact]
    public async Task Diff_is_the_RFC_6902_patch_between_two_versions_with_the_issue_behind_each_end()
    {
        var (response, body) = await _server.GetAsync($"/blueprints/orders/diff?from={_versions[0]}&to={_versions[2]}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("issue:c", body.GetProperty("to_commit").GetProperty("issue_id").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("from_commit").GetProperty("issue_id").ValueKind);
        var before = (await _server.Blueprints.ReadVersionAsync(OperatorServer.Orders, _versions[0])).Value.Root;
        var after = (await _server.Blueprints.ReadVersionAsync(OperatorServer.Orders, _versions[2])).Value.Root;
        var replayed = IssueCore.Json.JsonPatch.Apply(System.Text.Json.Nodes.JsonNode.Parse(before.GetRawText()), System.Text.Json.Nodes.JsonNode.Parse(body.GetProperty("patch").GetRawText()));
        Assert.True(JsonElement.DeepEquals(after, JsonDocument.Parse(replayed!.ToJsonString()).RootElement));
        Assert.Equal(2, body.GetProperty("patch").GetArrayLength());
    }

    [Fact]
    public async Task Enhance_log_lists_every_verdict_overall_and_per_series()
    {
        var (all, allBody) = await _server.GetAsync("/enhance-log");
        var (series, seriesBody) = await _server.GetAsync("/blueprints/orders/enhance-log");

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal(HttpStatusCode.OK, series.StatusCode);
        foreach (var body in new[] { allBody, seriesBody })
        {
            var entry = Assert.Single(body.GetProperty("items").EnumerateArray());
            Assert.Equal("issue:c", entry.GetProperty("issue_id").GetString());
            Assert.Equal(0, entry.GetProperty("round").GetInt32());
            Assert.Equal("applied", entry.GetProperty("outcome").GetString());
            Assert.Equal("pass", entry.GetProperty("verdicts")[0].GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Runs_list_and_show_status_graph_and_paged_events()
    {
        var (list, listBody) = await _server.GetAsync("/runs?status=running");
        var (run, runBody) = await _server.GetAsync($"/runs/{_run}");
        var (events, eventsBody) = await _server.GetAsync($"/runs/{_run}/events?limit=1");
        var (_, rest) = await _server.GetAsync($"/runs/{_run}/events?limit=1&page=" + Uri.EscapeDataString(eventsBody.GetProperty("next_page").GetString()!));
        var (_, completed) = await _server.GetAsync("/runs?status=completed");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(_run.Value, Assert.Single(listBody.GetProperty("items").EnumerateArray()).GetProperty("run_id").GetString());
        Assert.False(listBody.GetProperty("items")[0].TryGetProperty("graph", out _));
        Assert.Empty(completed.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Equal("running", runBody.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Array, runBody.GetProperty("graph").GetProperty("plan").ValueKind);
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal(1, eventsBody.GetProperty("items")[0].GetProperty("sequence").GetInt64());
        Assert.Equal(2, Assert.Single(rest.GetProperty("items").EnumerateArray()).GetProperty("sequence").GetInt64());
        Assert.Equal(1, rest.GetProperty("items")[0].GetProperty("wave").GetInt32());
    }

    [Fact]
    public async Task Run_events_stream_as_server_sent_events_while_the_run_is_live_then_end()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var request = OperatorServer.Request(HttpMethod.Get, $"/runs/{_run}/events", accept: "text/event-stream");
        request.Headers.Add("Last-Event-ID", "1");
        using var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var seen = new List<string>();

        // The stream holds the second event first; a third one arrives while it is open, then the run completes.
        seen.Add(await ReadEventAsync(reader, timeout.Token));
        await _server.Runs.AppendEventAsync(new CouncilRunEventDraft(_run, 2, "step_completed", "commit", JsonDocument.Parse("{}").RootElement.Clone()));
        seen.Add(await ReadEventAsync(reader, timeout.Token));
        await _server.Runs.UpdateRunStatusAsync(_run, CouncilRunStatus.Completed);
        seen.Add(await ReadEventAsync(reader, timeout.Token));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("id: 2\nevent: run_event\ndata: {\"sequence\":2,", seen[0], StringComparison.Ordinal);
        Assert.StartsWith("id: 3\nevent: run_event\n", seen[1], StringComparison.Ordinal);
        Assert.Equal($"event: end\ndata: {{\"run_id\":\"{_run}\",\"status\":\"completed\",\"last_sequence\":3}}", seen[2]);
        Assert.Null(await reader.ReadLineAsync(timeout.Token));
    }

    [Fact]
    public async Task Requeue_by_an_operator_returns_the_dead_letter_to_the_queue_once_and_records_who()
    {
        var request = OperatorServer.Request(HttpMethod.Post, $"/issues/{_deadLetter}/requeue", OperatorServer.OperatorKey);
        request.Headers.Add("X-IssueCore-Operator", "alice");
        var first = await _server.Client.SendAsync(request);
        var (again, againBody) = await _server.SendAsync(HttpMethod.Post, $"/issues/{_deadLetter}/requeue", OperatorServer.OperatorKey);
        var (history, historyBody) = await _server.GetAsync($"/issues/{_deadLetter}/history");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var firstBody = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        Assert.True(firstBody.RootElement.GetProperty("requeued").GetBoolean());
        Assert.Equal("pending", firstBody.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, firstBody.RootElement.GetProperty("round").GetInt32());
        Assert.Equal("alice", firstBody.RootElement.GetProperty("requested_by").GetString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(againBody.GetProperty("requeued").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        var requeue = Assert.Single(historyBody.GetProperty("requeues").EnumerateArray());
        Assert.Equal("alice", requeue.GetProperty("requested_by").GetString());
        Assert.Equal("failed", requeue.GetProperty("previous_status").GetString());
        Assert.Equal("dispatch_failed", requeue.GetProperty("previous_reason").GetString());
    }

    [Fact]
    public async Task Archive_and_unarchive_by_an_operator_set_the_flag_and_are_idempotent()
    {
        var (archived, archivedBody) = await _server.SendAsync(HttpMethod.Post, "/blueprints/orders/archive", OperatorServer.OperatorKey);
        var (_, twice) = await _server.SendAsync(HttpMethod.Post, "/blueprints/orders/archive", OperatorServer.OperatorKey);
        var (_, listed) = await _server.GetAsync("/blueprints?include_archived=true");
        var (_, hidden) = await _server.GetAsync("/blueprints");
        var (unarchived, unarchivedBody) = await _server.SendAsync(HttpMethod.Post, "/blueprints/orders/unarchive", OperatorServer.OperatorKey);

        Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
        Assert.True(archivedBody.GetProperty("archived").GetBoolean());
        Assert.True(twice.GetProperty("archived").GetBoolean());
        Assert.True(listed.GetProperty("items")[0].GetProperty("archived").GetBoolean());
        Assert.Empty(hidden.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, unarchived.StatusCode);
        Assert.False(unarchivedBody.GetProperty("archived").GetBoolean());
        Assert.False(await _server.Blueprints.IsArchivedAsync(OperatorServer.Orders));
    }

    [Fact]
    public async Task Dead_letters_are_listed_by_the_issue_list_with_status_failed()
    {
        var (response, body) = await _server.GetAsync("/issues?status=failed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_deadLetter.Value, Assert.Single(body.GetProperty("items").EnumerateArray()).GetProperty("issue_id").GetString());
    }

    internal static void AssertProblem(HttpResponseMessage response, JsonElement body, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("detail").GetString()));
    }

    private static async Task<string> ReadEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                return string.Join('\n', lines);
            }

            lines.Add(line);
        }

        throw new InvalidOperationException("The stream ended inside an event: " + string.Join('\n', lines));
    }

    private sealed class RoleHeaderAuthorizer : IIssueCoreAuthorizer
    {
        public ValueTask<bool> IsAllowedAsync(IssueCoreOperatorRequest request, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(request.HttpContext.Request.Headers["X-Role"] == "admin");
    }
}
