using System.Net;
using System.Text.Json;
using IssueCore.Issues;
using IssueCore.Json;
using Microsoft.AspNetCore.Builder;

namespace IssueCore.AspNetCore.Tests;

public sealed class EndpointSecurityTests
{
    private const string OldKey = "old-key-0123456789-abcdefghijklmnopq";
    private const string NewKey = "new-key-0123456789-abcdefghijklmnopq";

    [Fact]
    public async Task Several_keys_are_accepted_at_once_for_rotation()
    {
        await using var server = await IssueCoreServer.StartAsync(endpoint: o =>
        {
            o.ApiKey = OldKey;
            o.ApiKeys.Add(NewKey);
        });

        using var old = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson, key: OldKey));
        using var @new = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson, key: NewKey));
        using var other = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson, key: "other-key-0123456789-abcdefghijklmn"));

        Assert.Equal(HttpStatusCode.Created, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, @new.StatusCode); // the same request again: a duplicate
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
    }

    [Fact]
    public async Task The_setting_may_hold_several_comma_separated_keys()
    {
        await using var server = await IssueCoreServer.StartAsync(
            endpoint: _ => { },
            configuration: new Dictionary<string, string?> { ["ISSUE_CORE_API_KEY"] = $"{OldKey}, {NewKey}" });

        using var old = await server.Client.SendAsync(IssueCoreServer.Get("issues", key: OldKey));
        using var @new = await server.Client.SendAsync(IssueCoreServer.Get("issues", key: NewKey));

        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, @new.StatusCode);
    }

    [Theory]
    [InlineData("short-key")]
    [InlineData("a-key-with a-space-0123456789abcdefgh")]
    public async Task A_weak_key_refuses_to_start_without_echoing_it(string key)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => IssueCoreServer.StartAsync(endpoint: o =>
        {
            o.ApiKey = NewKey;
            o.ApiKeys.Add(key);
        }));

        Assert.Contains("#2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(IssueCoreEndpointOptions.MinimumApiKeyLength.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Last_error_and_a_failure_reason_show_a_stable_reason_not_the_internal_text()
    {
        await using var server = await IssueCoreServer.StartAsync();
        await PostAsync(server, "e-1");
        await PostAsync(server, "e-2");
        const string secret = "Npgsql: connection to db-internal.corp:5432 failed for user 'svc_issuecore'";
        var first = (await server.Store.ClaimNextAsync("worker", TimeSpan.FromMinutes(1)))!.Id;
        await server.Store.ReleaseAsync(first, "worker", new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero), secret);
        var second = (await server.Store.ClaimNextAsync("worker", TimeSpan.FromMinutes(1)))!.Id;
        await server.Store.CompleteAsync(second, "worker", IssueStatus.Failed("gave up after 5 attempts; last error: " + secret));

        var released = await GetAsync(server, $"issues/{first}");
        var failed = await GetAsync(server, $"issues/{second}");
        var list = await GetAsync(server, "issues");

        Assert.Equal("dispatch_error", released.GetProperty("last_error").GetString());
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("dispatch_failed", failed.GetProperty("reason").GetString());
        Assert.DoesNotContain("db-internal", released.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("db-internal", failed.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("db-internal", list.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_one_level_deeper_than_the_document_limit_is_a_422_naming_the_patch()
    {
        await using var server = await IssueCoreServer.StartAsync();
        string Body(int patchDepth)
        {
            // The patch array, its operation, and a value of nested arrays.
            var value = new string('[', patchDepth - 2) + new string(']', patchDepth - 2);
            var request = IssueCoreServer.ValidJson.TrimEnd();
            return request[..^1] + $$""","patch":[{"op":"add","path":"/a","value":{{value}}}]}""";
        }

        using var deep = await server.Client.SendAsync(IssueCoreServer.Post(Body(JsonLimits.MaxDocumentDepth + 1)));
        var problem = JsonDocument.Parse(await deep.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, deep.StatusCode);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("path").GetString() == "$.patch");
    }

    private static async Task<IssueId> PostAsync(IssueCoreServer server, string eventId)
    {
        using var posted = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson.Replace("event-or-schedule-key", eventId, StringComparison.Ordinal)));
        return IssueId.Parse(JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("issue_id").GetString()!);
    }

    private static async Task<JsonElement> GetAsync(IssueCoreServer server, string path)
    {
        using var response = await server.Client.SendAsync(IssueCoreServer.Get(path));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
