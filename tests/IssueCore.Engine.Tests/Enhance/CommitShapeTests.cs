using System.Text.Json.Nodes;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class CommitShapeTests
{
    private const string Verdicts = """[{"axis":"des","status":"pass","detail":"ok"},{"axis":"canonical","status":"pass","detail":"ok"},{"axis":"noop","status":"pass","detail":"ok"},{"axis":"agent-ref","status":"pass","detail":"ok"}]""";

    private static readonly string Bp = EnhanceHarness.TargetV1.CanonicalJson.Replace("1.0.0", "1.0.1", StringComparison.Ordinal);

    private static readonly string BpHash = IssueCore.Blueprints.Blueprint.Parse(Bp).Version.Value;

    private static string Applied(string overrides)
        => "{\"status\":\"applied\",\"new_hash\":\"" + BpHash + "\",\"new_blueprint\":" + Bp + ",\"bump\":\"patch\",\"patch_hash\":\"" + new string('c', 64) + "\",\"rationale\":\"r\",\"summary\":\"s\",\"verdicts\":" + Verdicts + overrides + "}";

    public static TheoryData<string, string> Malformed => new()
    {
        { "null", "$.commit" },
        { "\"applied\"", "$.commit" },
        { """{"rationale":"r","summary":"s","verdicts":[]}""", "$.commit.status" },
        { """{"status":1,"rationale":"r","summary":"s","verdicts":[]}""", "$.commit.status" },
        { """{"status":"maybe","rationale":"r","summary":"s","verdicts":""" + Verdicts + "}", "$.commit.status" },
        { """{"status":"rejected","summary":"s","verdicts":""" + Verdicts + ""","reasons":["x"]}""", "$.commit.rationale" },
        { """{"status":"rejected","rationale":"r","summary":"s","verdicts":""" + Verdicts + ""","reasons":[]}""", "$.commit.reasons" },
        { """{"status":"rejected","rationale":"r","summary":"s","verdicts":""" + Verdicts + ""","reasons":"x"}""", "$.commit.reasons" },
        { """{"status":"rejected","rationale":"r","summary":"s","verdicts":""" + Verdicts + ""","reasons":[3]}""", "$.commit.reasons[0]" },
        { """{"status":"rejected","rationale":"r","summary":"s","verdicts":[],"reasons":["x"]}""", "$.commit.verdicts" },
        { """{"status":"rejected","rationale":"r","summary":"s","verdicts":[{"axis":"noop","status":"pass","detail":"d"},{"axis":"des","status":"pass","detail":"d"},{"axis":"canonical","status":"pass","detail":"d"},{"axis":"agent-ref","status":"pass","detail":"d"}],"reasons":["x"]}""", "$.commit.verdicts[0].axis" },
        { """{"status":"rejected","rationale":"r","summary":"s","verdicts":[{"axis":"des","status":"ok","detail":"d"},{"axis":"canonical","status":"pass","detail":"d"},{"axis":"noop","status":"pass","detail":"d"},{"axis":"agent-ref","status":"pass","detail":"d"}],"reasons":["x"]}""", "$.commit.verdicts[0].status" },
        { Applied(",\"new_hash\":\"" + new string('0', 64) + "\"").Replace("\"new_hash\":\"" + BpHash + "\",", string.Empty, StringComparison.Ordinal), "$.commit.new_hash" },
        { Applied(string.Empty).Replace("\"bump\":\"patch\"", "\"bump\":\"huge\"", StringComparison.Ordinal), "$.commit.bump" },
        { Applied(string.Empty).Replace("\"bump\":\"patch\",", string.Empty, StringComparison.Ordinal), "$.commit.bump" },
        { Applied(string.Empty).Replace("\"new_blueprint\":" + Bp + ",", "\"new_blueprint\":[],", StringComparison.Ordinal), "$.commit.new_blueprint" },
        { Applied(string.Empty).Replace("\"new_hash\":\"" + BpHash + "\"", "\"new_hash\":\"ABC\"", StringComparison.Ordinal), "$.commit.new_hash" },
        { Applied(string.Empty).Replace("\"status\":\"pass\",\"detail\":\"ok\"}]", "\"status\":\"deny\",\"detail\":\"no\"}]", StringComparison.Ordinal), "$.commit.status" },
        { Applied(string.Empty).Replace("\"patch_hash\":\"" + new string('c', 64) + "\",", "\"patch_hash\":true,", StringComparison.Ordinal), "$.commit.patch_hash" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_committer_output_dead_letters_the_issue_with_a_shape_error_and_changes_nothing(string commit, string path)
    {
        var committer = TestAgent.Constant(JsonNode.Parse(commit));
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer));
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
        var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"b"}]""");

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Failed, outcome!.Result);
        Assert.StartsWith("commit shape: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains(path, outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(1, committer.Calls);
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        var deadLetter = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Failed, deadLetter.Outcome);
        Assert.Null(deadLetter.NewVersion);
        Assert.Equal(IssueState.Failed, (await h.Issues.GetAsync(created.Issue.Id)).Status.State);
    }

    [Fact]
    public async Task Well_formed_committer_output_from_a_host_agent_is_applied_when_it_is_the_change_the_host_verified()
    {
        // A host committer that reports the patch applier's result and the axes' verdicts as they are.
        var committer = TestAgent.Returning(input =>
        {
            var applied = input!["applied"]!;
            var commit = JsonNode.Parse(Applied(string.Empty))!.AsObject();
            commit["new_blueprint"] = applied["new_blueprint"]!.DeepClone();
            commit["new_hash"] = applied["new_hash"]!.DeepClone();
            commit["patch_hash"] = applied["patch_hash"]!.DeepClone();
            return commit;
        });
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer));
        await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"b"}]""");

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;
        Assert.Equal(head.Version, outcome.NewVersion);
        Assert.Equal("b", head.Root.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal("1.0.1", head.VersionLabel);
    }
}
