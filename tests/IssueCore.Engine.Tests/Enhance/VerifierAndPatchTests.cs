using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Enhance.Verifiers;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class VerifierAndPatchTests
{
    private static async Task<(EnhanceHarness H, DispatchOutcome Outcome, EnhanceLogEntry Entry)> RejectAsync(
        string patch, Action<IServiceCollection>? configure = null, IReadOnlyList<string>? axes = null)
    {
        var h = await EnhanceHarness.CreateAsync(configure);
        if (axes is not null)
        {
            var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
            await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { VerifierAxes = axes });
        }

        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
        var created = await h.EnqueueAsync(patch);
        var outcome = await h.App.TickAsync();
        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Rejected, outcome.Result);
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Rejected, entry.Outcome);
        Assert.Null(entry.NewVersion);
        Assert.Equal(head, entry.PreviousVersion);
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(IssueState.Rejected, issue.Status.State);
        Assert.Equal(string.Join("; ", entry.Reasons), issue.Status.Reason);
        return (h, outcome, entry);
    }

    private static VerdictSummary Verdict(EnhanceLogEntry entry, string axis) => Assert.Single(entry.Verdicts, v => v.Axis == axis);

    [Fact]
    public async Task Des_axis_denies_a_patch_that_changes_the_blueprint_id()
    {
        var (h, _, entry) = await RejectAsync("""[{"op":"replace","path":"/id","value":"other"}]""");
        await using var _h = h;

        Assert.Equal(VerdictStatus.Deny, Verdict(entry, "des").Status);
        Assert.Contains("$.id changed", Verdict(entry, "des").Detail, StringComparison.Ordinal);
        Assert.All(entry.Verdicts.Where(v => v.Axis != "des"), v => Assert.Equal(VerdictStatus.Pass, v.Status));
        Assert.StartsWith("des: ", Assert.Single(entry.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Des_axis_denies_a_version_label_that_is_not_semver()
    {
        var (h, _, entry) = await RejectAsync("""[{"op":"replace","path":"/metadata/version_label","value":"banana"}]""");
        await using var _h = h;

        Assert.Equal(VerdictStatus.Deny, Verdict(entry, "des").Status);
        Assert.Contains("not a semantic version", Verdict(entry, "des").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Canonical_axis_denies_when_the_reported_hash_is_not_the_canonical_hash()
    {
        // A host patch applier that reports a wrong hash for a real change.
        var applier = TestAgent.Returning(input =>
        {
            var ctx = (JsonObject)input!;
            var bp = ctx["prev_bp"]!.DeepClone().AsObject();
            bp["metadata"]!["owner"] = "team-z";
            return new JsonObject
            {
                ["ok"] = true,
                ["new_blueprint"] = bp,
                ["new_hash"] = new string('a', 64),
                ["prev_hash"] = ctx["prev_hash"]!.DeepClone(),
                ["changed"] = true,
                ["bump"] = "patch",
                ["patch_hash"] = new string('b', 64),
            };
        });
        var (h, _, entry) = await RejectAsync("[]", s => s.AddIssueCoreAgent("patch-applier", applier));
        await using var _h = h;

        Assert.Equal(VerdictStatus.Deny, Verdict(entry, "canonical").Status);
        Assert.Contains("differs from the canonical hash", Verdict(entry, "canonical").Detail, StringComparison.Ordinal);
        Assert.Equal(VerdictStatus.Pass, Verdict(entry, "noop").Status);
    }

    [Fact]
    public async Task Noop_axis_denies_a_patch_that_changes_nothing()
    {
        var (h, _, entry) = await RejectAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-a"}]""");
        await using var _h = h;

        Assert.Equal(VerdictStatus.Deny, Verdict(entry, "noop").Status);
        Assert.Equal(["noop: " + Verdict(entry, "noop").Detail], entry.Reasons);
    }

    [Fact]
    public async Task Noop_axis_denies_an_empty_patch()
    {
        var (h, _, entry) = await RejectAsync("[]");
        await using var _h = h;

        Assert.Equal(VerdictStatus.Deny, Verdict(entry, "noop").Status);
    }

    [Fact]
    public async Task Agent_ref_axis_denies_a_step_ref_that_names_no_agent()
    {
        var (h, _, entry) = await RejectAsync("""[{"op":"replace","path":"/flow/children/0/ref","value":"missing"}]""");
        await using var _h = h;

        var verdict = Verdict(entry, "agent-ref");
        Assert.Equal(VerdictStatus.Deny, verdict.Status);
        Assert.Contains("$.flow.children[0].ref = 'missing'", verdict.Detail, StringComparison.Ordinal);
        Assert.Equal(VerdictStatus.Pass, Verdict(entry, "des").Status);
    }

    [Fact]
    public async Task Unknown_axis_in_the_setting_is_a_deny_with_a_reason()
    {
        var (h, _, entry) = await RejectAsync(
            """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""",
            axes: ["des", "no-such-axis"]);
        await using var _h = h;

        Assert.Equal(VerdictStatus.Pass, Verdict(entry, "des").Status);
        Assert.Contains("unknown verifier axis 'no-such-axis'", Verdict(entry, "no-such-axis").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_axis_registered_by_name_is_called_and_its_deny_rejects()
    {
        var axis = new DenyOwnerAxis();
        var (h, _, entry) = await RejectAsync(
            """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""",
            s => s.AddIssueCoreVerifierAxis("owner-policy", axis),
            axes: ["des", "canonical", "noop", "agent-ref", "owner-policy"]);
        await using var _h = h;

        Assert.Equal(1, axis.Calls);
        Assert.Equal(["owner-policy: team-b may not own orders"], entry.Reasons);
        Assert.Equal(5, entry.Verdicts.Count);
    }

    [Theory]
    [InlineData("""[{"op":"replace","path":"/nope/deeper","value":1}]""")]
    [InlineData("""[{"op":"replace","path":"metadata/owner","value":1}]""")]
    [InlineData("""[{"op":"remove","path":"/agents/7"}]""")]
    [InlineData("""[{"op":"frobnicate","path":"/metadata/owner"}]""")]
    [InlineData("""[{"op":"add","path":"/metadata/x"}]""")]
    [InlineData("""{"op":"add"}""")]
    public async Task Invalid_operation_or_pointer_is_a_logged_rejection_not_a_crash(string patch)
    {
        var (h, _, entry) = await RejectAsync(patch);
        await using var _h = h;

        Assert.StartsWith("patch: ", entry.Reasons[0], StringComparison.Ordinal);
        Assert.All(entry.Verdicts, v => Assert.Equal("not evaluated: the patch did not apply", v.Detail));
    }

    [Fact]
    public async Task Failing_test_operation_rejects_and_leaves_the_head_alone()
    {
        var (h, _, entry) = await RejectAsync("""
            [{"op":"test","path":"/metadata/owner","value":"someone-else"},
             {"op":"replace","path":"/metadata/owner","value":"team-b"}]
            """);
        await using var _h = h;

        Assert.StartsWith("patch: ", entry.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_operation_compares_objects_deeply_regardless_of_member_order_and_escapes_pointers()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        await h.EnqueueAsync("""
            [{"op":"test","path":"/metadata","value":{"owner":"team-a","version_label":"1.0.0"}},
             {"op":"add","path":"/metadata/a~1b","value":{"x":[1,2]}},
             {"op":"add","path":"/metadata/a~1b/x/-","value":3},
             {"op":"copy","from":"/metadata/owner","path":"/metadata/previous_owner"},
             {"op":"move","from":"/metadata/owner","path":"/metadata/steward"}]
            """, bump: VersionBump.Major);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;
        var metadata = head.Root.GetProperty("metadata");
        Assert.Equal(3, metadata.GetProperty("a/b").GetProperty("x").GetArrayLength());
        Assert.Equal("team-a", metadata.GetProperty("steward").GetString());
        Assert.False(metadata.TryGetProperty("owner", out _));
        Assert.Equal("2.0.0", head.VersionLabel);
    }

    [Fact]
    public async Task Issue_without_operations_and_without_a_host_spawner_is_rejected_with_a_clear_reason()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        await h.App.HandleAsync(new IssueDraft { BlueprintId = EnhanceHarness.Target, Intent = "make it faster" });

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        Assert.Contains("carries no RFC 6902 operations and no host patch-spawner", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_patch_spawner_turns_an_intent_into_operations()
    {
        var spawner = TestAgent.Returning(input => new JsonObject
        {
            ["ok"] = true,
            ["ops"] = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/metadata/fast", ["value"] = true }),
            ["rationale"] = "because " + input!["issue"]!["intent"]!.GetValue<string>(),
            ["bump"] = "minor",
        });
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("patch-spawner", spawner));
        await h.App.HandleAsync(new IssueDraft { BlueprintId = EnhanceHarness.Target, Intent = "make it faster" });

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;
        Assert.True(head.Root.GetProperty("metadata").GetProperty("fast").GetBoolean());
        Assert.Equal("1.1.0", head.VersionLabel);
        Assert.Equal("because make it faster", Assert.Single(await h.LogEntriesAsync()).Rationale);
    }

    private sealed class DenyOwnerAxis : IVerifierAxis
    {
        public int Calls { get; private set; }

        public ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
        {
            Calls++;
            var owner = context.Proposed.Root.GetProperty("metadata").GetProperty("owner").GetString();
            return ValueTask.FromResult(owner == "team-b"
                ? new VerdictSummary(context.Axis, VerdictStatus.Deny, "team-b may not own orders")
                : new VerdictSummary(context.Axis, VerdictStatus.Pass, "ok"));
        }
    }
}
