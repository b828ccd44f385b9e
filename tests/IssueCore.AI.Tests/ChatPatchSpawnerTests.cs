using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance.Spawning;
using IssueCore.Issues;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IssueCore.AI.Tests;

public sealed class ChatPatchSpawnerTests
{
    internal static readonly Blueprint Head = Blueprint.Parse("""
        {"id":"orders","metadata":{"version_label":"1.0.0","owner":"team-a"},
         "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 1}"}}],
         "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
        """);

    internal const string ValidAnswer = """
        {"rationale":"team-b owns orders now","bump":"minor","patch":[{"op":"replace","path":"/metadata/owner","value":"team-b"}],"cannot_propose":null}
        """;

    private static PatchSpawnRequest Request(Blueprint? head = null) => new()
    {
        IssueId = IssueId.Parse("issue-1"),
        BlueprintId = BlueprintId.Parse("orders"),
        Title = "Hand orders to team b",
        Intent = "team-b owns orders from now on",
        Description = "Reorganisation.",
        Labels = ["ownership"],
        Head = head ?? Head,
        RunId = CouncilRunId.New(),
    };

    private static (ChatPatchSpawner Spawner, ListLogger<ChatPatchSpawner> Log) Create(ScriptedChatClient client, int maxAttempts = 3, int maxBlueprintChars = 64 * 1024)
    {
        var log = new ListLogger<ChatPatchSpawner>();
        var options = Options.Create(new ChatPatchSpawnerOptions { MaxAttempts = maxAttempts, MaxBlueprintChars = maxBlueprintChars, ModelId = "configured-model" });
        return (new ChatPatchSpawner(client, options, log), log);
    }

    [Fact]
    public async Task Valid_answer_is_proposed_with_its_rationale_bump_model_prompt_and_usage()
    {
        var client = new ScriptedChatClient(ValidAnswer);
        var (spawner, log) = Create(client);

        var proposal = await spawner.ProposeAsync(Request());

        Assert.True(proposal.IsProposed);
        Assert.Equal("team-b owns orders now", proposal.Rationale);
        Assert.Equal(VersionBump.Minor, proposal.Bump);
        Assert.Equal("replace", proposal.Operations!.Value[0].GetProperty("op").GetString());
        var report = proposal.Report!;
        Assert.Equal("scripted-model-1", report.ModelId);
        Assert.Equal(1, report.Attempts);
        Assert.Equal((100L, 20L, 120L), (report.InputTokens!.Value, report.OutputTokens!.Value, report.TotalTokens!.Value));
        Assert.Contains("team-b owns orders from now on", report.Prompt, StringComparison.Ordinal);
        Assert.Empty(report.Errors);
        Assert.Contains(log.Entries, e => e.EventId == 6224);
        Assert.Single(client.Calls);
    }

    [Fact]
    public async Task Prompt_carries_the_issue_the_head_and_the_RFC_6902_schema_and_asks_for_structured_output()
    {
        var client = new ScriptedChatClient(ValidAnswer);
        var (spawner, _) = Create(client);

        await spawner.ProposeAsync(Request());

        var (messages, options) = Assert.Single(client.Calls);
        Assert.Equal([ChatRole.System, ChatRole.User], messages.Select(m => m.Role));
        var user = messages[1].Text;
        Assert.Contains("Hand orders to team b", user, StringComparison.Ordinal);
        Assert.Contains("Reorganisation.", user, StringComparison.Ordinal);
        Assert.Contains(Head.CanonicalJson, user, StringComparison.Ordinal);
        Assert.Contains(Head.Version.Value, user, StringComparison.Ordinal);
        Assert.Contains("RFC 6902 JSON Patch", user, StringComparison.Ordinal);
        var format = Assert.IsType<ChatResponseFormatJson>(options!.ResponseFormat);
        Assert.Equal("rfc6902_patch_proposal", format.SchemaName);
        Assert.Equal(JsonValueKind.Object, format.Schema!.Value.GetProperty("properties").GetProperty("patch").GetProperty("items").ValueKind);
        Assert.Equal("configured-model", options.ModelId);
        Assert.Equal(0f, options.Temperature);
    }

    [Theory]
    [InlineData("this is not json", "not JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("""{"rationale":"x","bump":"patch","patch":{"op":"add"},"cannot_propose":null}""", "$.patch: an RFC 6902 JSON Patch")]
    [InlineData("""{"rationale":"x","bump":"patch","patch":[{"op":"frobnicate","path":"/a"}],"cannot_propose":null}""", "$.patch[0]")]
    [InlineData("""{"rationale":"x","bump":"patch","patch":[{"op":"replace","path":"/metadata/missing/deep","value":1}],"cannot_propose":null}""", "applied to the current Blueprint")]
    [InlineData("""{"rationale":"x","bump":"patch","patch":[{"op":"replace","path":"/metadata/owner","value":"team-a"}],"cannot_propose":null}""", "changes nothing")]
    [InlineData("""{"rationale":"","bump":"patch","patch":[{"op":"add","path":"/metadata/x","value":1}],"cannot_propose":null}""", "$.rationale")]
    [InlineData("""{"rationale":"x","bump":"huge","patch":[{"op":"add","path":"/metadata/x","value":1}],"cannot_propose":null}""", "$.bump")]
    [InlineData("""{"rationale":"x","bump":"patch","patch":[],"cannot_propose":null}""", "the patch is empty")]
    public async Task Malformed_answer_is_retried_with_its_errors_fed_back_and_the_next_valid_answer_wins(string malformed, string expectedError)
    {
        var client = new ScriptedChatClient(malformed, ValidAnswer);
        var (spawner, log) = Create(client);

        var proposal = await spawner.ProposeAsync(Request());

        Assert.True(proposal.IsProposed);
        Assert.Equal(2, client.Calls.Count);
        var retry = client.Calls[1].Messages;
        Assert.Equal(4, retry.Count);
        Assert.Equal(ChatRole.Assistant, retry[2].Role);
        Assert.Equal(malformed, retry[2].Text);
        Assert.Contains(expectedError, retry[3].Text, StringComparison.Ordinal);
        var report = proposal.Report!;
        Assert.Equal(2, report.Attempts);
        Assert.Equal(240, report.TotalTokens);
        Assert.Contains(expectedError, Assert.Single(report.Errors), StringComparison.Ordinal);
        Assert.Single(log.Entries, e => e.EventId == 6221);
    }

    [Fact]
    public async Task Answers_that_stay_invalid_give_up_after_the_retry_budget_with_a_typed_logged_refusal()
    {
        var client = new ScriptedChatClient("nope", "still nope", "no", "never asked");
        var (spawner, log) = Create(client, maxAttempts: 3);

        var proposal = await spawner.ProposeAsync(Request());

        Assert.False(proposal.IsProposed);
        Assert.StartsWith("the model gave no valid patch in 3 attempt(s); last errors: ", proposal.Reason, StringComparison.Ordinal);
        Assert.Equal(3, client.Calls.Count);
        Assert.Equal(3, proposal.Report!.Attempts);
        Assert.Equal(3, proposal.Report.Errors.Count);
        Assert.Equal(360, proposal.Report.TotalTokens);
        Assert.Equal(3, log.Entries.Count(e => e.EventId == 6221));
        Assert.Single(log.Entries, e => e.EventId == 6222 && e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task One_attempt_budget_asks_once()
    {
        var client = new ScriptedChatClient("nope", ValidAnswer);
        var (spawner, _) = Create(client, maxAttempts: 1);

        var proposal = await spawner.ProposeAsync(Request());

        Assert.False(proposal.IsProposed);
        Assert.Single(client.Calls);
    }

    [Fact]
    public async Task Model_that_declines_is_a_typed_refusal_with_its_reason_and_no_retry()
    {
        var client = new ScriptedChatClient("""{"rationale":"","bump":"patch","patch":[],"cannot_propose":"orders has no notion of a team"}""", ValidAnswer);
        var (spawner, log) = Create(client);

        var proposal = await spawner.ProposeAsync(Request());

        Assert.False(proposal.IsProposed);
        Assert.Equal("the model declined: orders has no notion of a team", proposal.Reason);
        Assert.Single(client.Calls);
        Assert.Contains(log.Entries, e => e.EventId == 6223);
    }

    [Fact]
    public async Task Answer_in_a_code_fence_is_read()
    {
        var client = new ScriptedChatClient("```json\n" + ValidAnswer + "\n```");
        var (spawner, _) = Create(client);

        Assert.True((await spawner.ProposeAsync(Request())).IsProposed);
    }

    [Fact]
    public async Task Blueprint_larger_than_the_prompt_bound_is_refused_without_asking_the_model()
    {
        var client = new ScriptedChatClient(ValidAnswer);
        var (spawner, log) = Create(client, maxBlueprintChars: 10);

        var proposal = await spawner.ProposeAsync(Request());

        Assert.False(proposal.IsProposed);
        Assert.Contains("MaxBlueprintChars", proposal.Reason, StringComparison.Ordinal);
        Assert.Empty(client.Calls);
        Assert.Contains(log.Entries, e => e.EventId == 6225);
    }

    [Fact]
    public async Task Client_failure_propagates_as_a_fault_for_the_dispatcher_to_retry()
    {
        var client = new ScriptedChatClient();
        var (spawner, _) = Create(client);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await spawner.ProposeAsync(Request()));
    }
}
