using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.AspNetCore.Tests;

public sealed class IssueEndpointTests
{
    [Fact]
    public async Task Valid_post_returns_201_with_location_and_the_issue_reference()
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("issue_id").GetString()!;
        Assert.True(body.RootElement.GetProperty("created").GetBoolean());
        Assert.Equal("issuecore", body.RootElement.GetProperty("backend").GetString());
        Assert.Equal($"/issues/{id}", response.Headers.Location!.OriginalString);
        Assert.NotNull(await server.Store.FindAsync(IssueId.Parse(id)));
    }

    [Fact]
    public async Task Duplicate_post_returns_200_with_the_first_issue_and_created_false()
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var first = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        using var second = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        using var a = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        using var b = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.Equal(a.RootElement.GetProperty("issue_id").GetString(), b.RootElement.GetProperty("issue_id").GetString());
        Assert.False(b.RootElement.GetProperty("created").GetBoolean());
        Assert.Equal(1, await server.CountAsync());
    }

    [Fact]
    public async Task Idempotency_key_header_that_differs_from_the_triggering_event_is_422_and_an_equal_one_replays()
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var differs = IssueCoreServer.Post(IssueCoreServer.ValidJson);
        differs.Headers.Add("Idempotency-Key", "k-1");
        using var equal = IssueCoreServer.Post(IssueCoreServer.ValidJson);
        equal.Headers.Add("Idempotency-Key", "event-or-schedule-key");
        using var first = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        using var differsResponse = await server.Client.SendAsync(differs);
        using var equalResponse = await server.Client.SendAsync(equal);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var problem = await AssertProblemAsync(differsResponse, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("idempotency_key", problem.GetProperty("errors")[0].GetProperty("path").GetString());
        Assert.Equal(HttpStatusCode.OK, equalResponse.StatusCode);
        Assert.Equal(1, await server.CountAsync());
    }

    [Fact]
    public async Task Unknown_members_are_accepted_with_warnings_and_the_issue_shows_target_repo_and_traceparent()
    {
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        await using var server = await IssueCoreServer.StartAsync();
        using var post = IssueCoreServer.Post(IssueCoreServer.ValidJson.TrimEnd().TrimEnd('}') + ",\"emitter_version\":\"3\"}");
        post.Headers.Add("traceparent", traceParent);

        using var response = await server.Client.SendAsync(post);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("$.emitter_version", body.GetProperty("warnings")[0].GetProperty("path").GetString());
        var issue = await server.Store.GetAsync(IssueId.Parse(body.GetProperty("issue_id").GetString()!));
        Assert.Equal(traceParent, issue.TraceParent);
        using var get = new HttpRequestMessage(HttpMethod.Get, $"issues/{issue.Id.Value}");
        get.Headers.Add("X-API-Key", IssueCoreServer.ApiKey);
        using var read = await server.Client.SendAsync(get);
        var shown = JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("activity-core", shown.GetProperty("target_repo").GetString());
        Assert.Equal(traceParent, shown.GetProperty("trace_parent").GetString());
    }

    [Fact]
    public async Task Invalid_or_repeated_idempotency_key_is_422()
    {
        await using var server = await IssueCoreServer.StartAsync();
        using var tooLong = IssueCoreServer.Post(IssueCoreServer.ValidJson);
        tooLong.Headers.Add("Idempotency-Key", new string('k', 201));
        using var repeated = IssueCoreServer.Post(IssueCoreServer.ValidJson);
        repeated.Headers.Add("Idempotency-Key", ["a", "b"]);

        using var tooLongResponse = await server.Client.SendAsync(tooLong);
        using var repeatedResponse = await server.Client.SendAsync(repeated);

        var problem = await AssertProblemAsync(tooLongResponse, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("idempotency_key", problem.GetProperty("errors")[0].GetProperty("path").GetString());
        await AssertProblemAsync(repeatedResponse, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(0, await server.CountAsync());
    }

    [Fact]
    public async Task Issue_url_from_options_is_returned()
    {
        await using var server = await IssueCoreServer.StartAsync(ingestion: o => o.IssueBaseUrl = "https://issues.example.test/issues");

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));

        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal($"https://issues.example.test/issues/{body.GetProperty("issue_id").GetString()}", body.GetProperty("issue_url").GetString());
    }

    [Fact]
    public async Task Bearer_and_x_api_key_headers_are_both_accepted()
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var bearer = IssueCoreServer.Post(IssueCoreServer.ValidJson, key: null);
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", IssueCoreServer.ApiKey);
        using var viaBearer = await server.Client.SendAsync(bearer);
        using var viaHeader = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson.Replace("event-or-schedule-key", "e2", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.Created, viaBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Created, viaHeader.StatusCode);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("wrong-key", null)]
    [InlineData(null, "wrong-key")]
    [InlineData(null, "test-key-012345678")]
    [InlineData(null, "test-key-01234567890")]
    public async Task Missing_or_wrong_key_is_401_problem_and_stores_nothing(string? header, string? bearer)
    {
        await using var server = await IssueCoreServer.StartAsync();
        using var message = IssueCoreServer.Post(IssueCoreServer.ValidJson, key: header);
        if (bearer is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await server.Client.SendAsync(message);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(0, await server.CountAsync());
    }

    [Theory]
    [InlineData("issues")]
    [InlineData("issues/abc")]
    public async Task Reads_need_the_key_too(string path)
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var response = await server.Client.SendAsync(IssueCoreServer.Get(path, key: "nope"));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("{\"title\":")]
    [InlineData("{\"title\":\"a\",}")]
    [InlineData("")]
    [InlineData("nul")]
    public async Task Malformed_json_is_400_problem(string json)
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(json));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Invalid_utf8_is_400_problem()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var bytes = Encoding.UTF8.GetBytes(IssueCoreServer.ValidJson);
        bytes[15] = 0xC3;
        bytes[16] = 0x28;

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(bytes));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_failure_is_422_problem_listing_every_error_and_no_unknown_member()
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var response = await server.Client.SendAsync(IssueCoreServer.Post("""{"title":"","priority":"urgent","due_in_days":-3,"extra":1}"""));

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var paths = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.Equal(
            ["$.priority", "$.title", "$.target_repo", "$.due_in_days", "$.source_type", "$.source_id", "$.triggering_event_id", "$.activity_definition_id"],
            paths);
        Assert.All(problem.GetProperty("errors").EnumerateArray(), e => Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString())));
        Assert.Equal(0, await server.CountAsync());
    }

    [Fact]
    public async Task Body_over_64_KiB_with_content_length_is_413()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var body = Encoding.UTF8.GetBytes(IssueCoreServer.ValidJson.Replace("\"description\":\"\"", $"\"description\":\"{new string('d', 64 * 1024)}\"", StringComparison.Ordinal));

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(body));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await server.CountAsync());
    }

    [Fact]
    public async Task Body_over_64_KiB_without_content_length_is_413()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var body = Encoding.UTF8.GetBytes(IssueCoreServer.ValidJson.Replace("\"description\":\"\"", $"\"description\":\"{new string('d', 64 * 1024)}\"", StringComparison.Ordinal));
        using var message = new HttpRequestMessage(HttpMethod.Post, "issues/") { Content = new StreamContent(new UnknownLengthStream(body)) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Add("X-API-Key", IssueCoreServer.ApiKey);

        using var response = await server.Client.SendAsync(message);

        Assert.True(message.Headers.TransferEncodingChunked is true || message.Content.Headers.ContentLength is null);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Body_of_exactly_64_KiB_is_accepted_for_validation()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var template = IssueCoreServer.ValidJson.Replace("\"description\":\"\"", "\"description\":\"#\"", StringComparison.Ordinal);
        var padding = (64 * 1024) - Encoding.UTF8.GetByteCount(template) + 1;
        var body = Encoding.UTF8.GetBytes(template.Replace("#", new string('d', padding), StringComparison.Ordinal));

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(body));

        Assert.Equal(64 * 1024, body.Length);
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("$.description", problem.GetProperty("errors")[0].GetProperty("path").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    public async Task Non_json_content_type_is_415(string contentType)
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson, contentType: contentType));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(0, await server.CountAsync());
    }

    [Fact]
    public async Task Missing_content_type_is_415()
    {
        await using var server = await IssueCoreServer.StartAsync();
        using var message = IssueCoreServer.Post(IssueCoreServer.ValidJson);
        message.Content!.Headers.ContentType = null;

        using var response = await server.Client.SendAsync(message);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Json_with_charset_and_problem_json_suffix_types_are_accepted()
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var a = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson, contentType: "application/json; charset=utf-8"));
        using var b = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson.Replace("event-or-schedule-key", "e2", StringComparison.Ordinal), contentType: "application/vnd.issue+json"));

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
    }

    [Fact]
    public async Task Get_returns_the_issue_with_status_and_its_enhance_log_entry()
    {
        await using var server = await IssueCoreServer.StartAsync();
        using var posted = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        var id = IssueId.Parse(JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("issue_id").GetString()!);

        using var pending = await server.Client.SendAsync(IssueCoreServer.Get($"issues/{id}"));
        var pendingBody = JsonDocument.Parse(await pending.Content.ReadAsStringAsync()).RootElement;

        var claimed = await server.Store.ClaimNextAsync("worker", TimeSpan.FromMinutes(1));
        Assert.Equal(id, claimed!.Id);
        await server.Store.CompleteAsync(id, "worker", IssueStatus.Rejected("noop: nothing changed"));
        await server.Services.GetRequiredService<IEnhanceLogStore>().AppendAsync(new EnhanceLogEntry
        {
            IssueId = id,
            BlueprintId = BlueprintId.Parse("activity-core"),
            Intent = "Run SBOM rescan",
            Rationale = "nothing to do",
            Verdicts = [new VerdictSummary("noop", VerdictStatus.Deny, "nothing changed")],
            Outcome = EnhanceOutcome.Rejected,
            Reasons = ["noop: nothing changed"],
            Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        using var rejected = await server.Client.SendAsync(IssueCoreServer.Get($"issues/{id}"));
        var rejectedBody = JsonDocument.Parse(await rejected.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
        Assert.Equal("pending", pendingBody.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, pendingBody.GetProperty("enhance_log").ValueKind);
        Assert.Equal("activity-core", pendingBody.GetProperty("blueprint_id").GetString());
        Assert.Equal("rejected", rejectedBody.GetProperty("status").GetString());
        Assert.Equal("noop: nothing changed", rejectedBody.GetProperty("reason").GetString());
        var log = rejectedBody.GetProperty("enhance_log");
        Assert.Equal("rejected", log.GetProperty("outcome").GetString());
        Assert.Equal("deny", log.GetProperty("verdicts")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Get_shows_the_issue_own_patch_and_null_when_it_carried_none()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var withPatch = IssueCoreServer.ValidJson.Replace("\"event-or-schedule-key\"", "\"event-with-patch\"", StringComparison.Ordinal)
            .Replace("\"activity-definition-uuid\"}", "\"activity-definition-uuid\",\"patch\":[{\"op\":\"replace\",\"path\":\"/metadata/owner\",\"value\":\"docs-team\"}]}", StringComparison.Ordinal);
        using var postedWith = await server.Client.SendAsync(IssueCoreServer.Post(withPatch));
        using var postedWithout = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        Assert.Equal(HttpStatusCode.Created, postedWith.StatusCode);
        Assert.Equal(HttpStatusCode.Created, postedWithout.StatusCode);
        var idWith = JsonDocument.Parse(await postedWith.Content.ReadAsStringAsync()).RootElement.GetProperty("issue_id").GetString();
        var idWithout = JsonDocument.Parse(await postedWithout.Content.ReadAsStringAsync()).RootElement.GetProperty("issue_id").GetString();

        using var with = await server.Client.SendAsync(IssueCoreServer.Get($"issues/{idWith}"));
        using var without = await server.Client.SendAsync(IssueCoreServer.Get($"issues/{idWithout}"));

        var patch = JsonDocument.Parse(await with.Content.ReadAsStringAsync()).RootElement.GetProperty("patch");
        Assert.Equal(JsonValueKind.Array, patch.ValueKind);
        var op = Assert.Single(patch.EnumerateArray());
        Assert.Equal("replace", op.GetProperty("op").GetString());
        Assert.Equal("/metadata/owner", op.GetProperty("path").GetString());
        Assert.Equal("docs-team", op.GetProperty("value").GetString());
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await without.Content.ReadAsStringAsync()).RootElement.GetProperty("patch").ValueKind);
    }

    [Theory]
    [InlineData("issues/doesnotexist")]
    [InlineData("issues/bad%20id")]
    public async Task Unknown_issue_is_404_problem(string path)
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var response = await server.Client.SendAsync(IssueCoreServer.Get(path));

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_pages_by_continuation_token_and_filters_by_status()
    {
        await using var server = await IssueCoreServer.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            using var r = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson.Replace("event-or-schedule-key", $"e{i}", StringComparison.Ordinal)));
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        }

        await server.Store.ClaimNextAsync("worker", TimeSpan.FromMinutes(1));
        var seen = new List<string>();
        string? page = null;
        var pages = 0;
        do
        {
            var path = page is null ? "issues?status=pending&limit=2" : $"issues?status=Pending&limit=2&page={Uri.EscapeDataString(page)}";
            using var response = await server.Client.SendAsync(IssueCoreServer.Get(path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("status").GetString()!));
            page = body.GetProperty("next_page").GetString();
            pages++;
        }
        while (page is not null);

        Assert.Equal(4, seen.Count);
        Assert.All(seen, s => Assert.Equal("pending", s));
        Assert.Equal(2, pages);
    }

    [Theory]
    [InlineData("issues?status=finished")]
    [InlineData("issues?status=1")]
    [InlineData("issues?limit=0")]
    [InlineData("issues?limit=abc")]
    [InlineData("issues?page=not-a-token")]
    public async Task Bad_list_query_is_400_problem(string path)
    {
        await using var server = await IssueCoreServer.StartAsync();

        using var response = await server.Client.SendAsync(IssueCoreServer.Get(path));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Fifty_concurrent_duplicate_posts_create_one_issue()
    {
        await using var server = await IssueCoreServer.StartAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return (response.StatusCode, Id: body.GetProperty("issue_id").GetString());
        }));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Single(responses.Select(r => r.Id).Distinct());
        Assert.Equal(1, await server.CountAsync());
    }

    [Fact]
    public async Task Mapping_without_a_key_refuses_to_start()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => IssueCoreServer.StartAsync(endpoint: _ => { }));

        Assert.Contains("ISSUE_CORE_API_KEY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mapping_without_ingestion_registered_refuses_to_start()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => IssueCoreServer.StartAsync(s => s.UseInMemory(), app => app.MapIssueCore(o => o.ApiKey = IssueCoreServer.ApiKey)));

        Assert.Contains("AddIssueCoreIngestion", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_is_read_from_the_ISSUE_CORE_API_KEY_setting()
    {
        await using var server = await IssueCoreServer.StartAsync(
            endpoint: _ => { },
            configuration: new Dictionary<string, string?> { ["ISSUE_CORE_API_KEY"] = "from-config-0123456789abcdefghijklmnop" });

        using var wrong = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        using var right = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson, key: "from-config-0123456789abcdefghijklmnop"));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
    }

    [Fact]
    public async Task Anonymous_development_serves_without_a_key()
    {
        await using var server = await IssueCoreServer.StartAsync(endpoint: o => o.AllowAnonymousDevelopment = true);

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson, key: null));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
        return problem;
    }

    /// <summary>A stream that hides its length, so the client sends it chunked without Content-Length.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
