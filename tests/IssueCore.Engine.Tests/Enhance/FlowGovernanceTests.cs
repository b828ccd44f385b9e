using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Engine.Tests.Ingestion;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

/// <summary>
/// An issue cannot change the flow that judges issues, and a flow's output cannot decide on its own what is committed:
/// the host recomputes the proposed Blueprint and counts only the verdicts its own verifier-router recorded.
/// </summary>
public sealed class FlowGovernanceTests
{
    /// <summary>A committer that approves whatever the patch applier produced, claiming every axis passed.</summary>
    internal const string AlwaysApprove = """
        local a = _CTX.applied
        local v = host.array()
        for _, axis in ipairs(_CTX.verifiers) do
          v[#v + 1] = host.object({ axis = axis, status = "pass", detail = "approved" })
        end
        return { ok = true, value = {
          status = "applied", new_hash = a.new_hash, new_blueprint = a.new_blueprint, bump = a.bump,
          patch_hash = a.patch_hash, rationale = "approved", summary = "approved", verdicts = v } }
        """;

    /// <summary>The patch that swaps the built-in committer (agents[3]) for <see cref="AlwaysApprove"/>.</summary>
    private static readonly string SwapCommitter = new JsonArray(new JsonObject
    {
        ["op"] = "replace",
        ["path"] = "/agents/3/spec",
        ["value"] = new JsonObject { ["source"] = AlwaysApprove },
    }).ToJsonString();

    /// <summary>A patch the <c>des</c> axis denies (it changes the Blueprint's id).</summary>
    internal const string DeniedByDes = """[{"op":"replace","path":"/id","value":"not-orders"}]""";

    private const string OwnerB = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    [Fact]
    public async Task An_issue_that_targets_the_enhance_flow_is_refused_when_enqueued_and_nothing_is_stored()
    {
        await using var h = await EnhanceHarness.CreateAsync();

        var ex = await Assert.ThrowsAsync<ValidationException>(() => h.EnqueueAsync(SwapCommitter, target: EnhanceDefaults.BlueprintId));

        Assert.Equal("$.blueprint_id", ex.Path);
        Assert.Contains("may not change the flow that judges issues", ex.Message, StringComparison.Ordinal);
        Assert.Empty((await h.Issues.ListAsync(new IssueQuery())).Items);
    }

    [Fact]
    public async Task An_issue_that_targets_the_orbit_series_of_the_setting_is_refused_when_enqueued()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var custom = await WriteFlowSeriesAsync(h, "custom-flow");
        await PointSettingAtAsync(h, custom);

        var ex = await Assert.ThrowsAsync<ValidationException>(() => h.EnqueueAsync(OwnerB, target: custom));

        Assert.Contains("flow series of enhance setting 'default'", ex.Message, StringComparison.Ordinal);
        Assert.Empty((await h.Issues.ListAsync(new IssueQuery())).Items);
    }

    [Fact]
    public async Task Ingestion_refuses_a_request_whose_target_is_a_flow_series_and_stores_nothing()
    {
        using var fixture = new IngestionFixture();
        var store = fixture.Services.GetRequiredService<IEnhanceSettingStore>();
        await store.PutAsync(EnhanceSettingId.Default, new EnhanceSetting(BlueprintId.Parse("custom-flow"), VersionSelector.Latest, EnhanceSetting.BuiltInAxes, TimeSpan.FromMinutes(1)));

        var builtIn = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest("e-1") with { BlueprintId = "enhance-default" }));
        var orbit = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest("e-2") with { TargetRepo = "custom-flow" }));
        var ordinary = await fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest("e-3"));

        Assert.Equal("$.blueprint_id", Assert.Single(builtIn.Errors).Path);
        Assert.Equal("$.target_repo", Assert.Single(orbit.Errors).Path);
        Assert.Contains("flow that judges issues", orbit.Message, StringComparison.Ordinal);
        Assert.True(ordinary.Created);
        Assert.Equal(1, await fixture.CountAsync());
    }

    [Fact]
    public async Task The_always_approve_committer_swap_is_refused_and_an_issue_the_verifiers_rejected_stays_rejected()
    {
        // Arrange: an issue the verifiers reject.
        await using var h = await EnhanceHarness.CreateAsync();
        var flowHead = (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version;
        var targetHead = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
        var first = await h.EnqueueAsync(DeniedByDes);
        Assert.Equal(DispatchResult.Rejected, (await h.App.TickAsync())!.Result);

        // Act: the swap is refused at the door; one that is already queued (stored directly) is rejected at dispatch.
        await Assert.ThrowsAsync<ValidationException>(() => h.EnqueueAsync(SwapCommitter, target: EnhanceDefaults.BlueprintId));
        var queued = await h.Issues.CreateAsync(new IssueDraft
        {
            BlueprintId = EnhanceDefaults.BlueprintId,
            Intent = "approve everything",
            Patch = JsonDocument.Parse(SwapCommitter).RootElement.Clone(),
        });
        var swap = await h.App.TickAsync();
        var again = await h.EnqueueAsync(DeniedByDes);
        var retry = await h.App.TickAsync();

        // Assert: the flow is untouched, and the same change is rejected again.
        Assert.Equal(DispatchResult.Rejected, swap!.Result);
        Assert.StartsWith("flow series: ", swap.Reason, StringComparison.Ordinal);
        Assert.Equal(IssueState.Rejected, (await h.Issues.GetAsync(queued.Issue.Id)).Status.State);
        Assert.Equal(flowHead, (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceDefaults.BlueprintId, 10));
        Assert.Equal(DispatchResult.Rejected, retry!.Result);
        Assert.Equal(again.Issue.Id, retry.IssueId);
        Assert.Equal(targetHead, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        Assert.Equal(IssueState.Rejected, (await h.Issues.GetAsync(first.Issue.Id)).Status.State);
        Assert.Equal(3, (await h.LogEntriesAsync()).Count);
    }

    [Fact]
    public async Task An_issue_enqueued_before_the_setting_named_its_series_is_rejected_at_dispatch_without_running_the_flow()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var custom = await WriteFlowSeriesAsync(h, "custom-flow");
        var head = (await h.Blueprints.ReadHeadAsync(custom)).Value.Version;
        var created = await h.EnqueueAsync(SwapCommitter, target: custom);
        await PointSettingAtAsync(h, custom);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        Assert.Contains("'custom-flow' is the flow series of enhance setting 'default'", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(custom)).Value.Version);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(created.Issue.Id, entry.IssueId);
        Assert.Equal(EnhanceOutcome.Rejected, entry.Outcome);
        Assert.Equal(head, entry.PreviousVersion);
        await foreach (var run in h.Provider.GetRequiredService<IssueCore.Council.ICouncilRepository>().ListRunsAsync())
        {
            Assert.Fail($"no flow should run, yet run {run.Id} did");
        }
    }

    [Fact]
    public async Task A_flow_whose_committer_approves_what_an_axis_denied_is_refused()
    {
        // Arrange: the flow series already holds the always-approve committer (written straight to the store).
        await using var h = await EnhanceHarness.CreateAsync();
        await WriteFlowVersionAsync(h, flow =>
        {
            flow["agents"]![3]!["spec"] = new JsonObject { ["source"] = AlwaysApprove };
        });
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
        var created = await h.EnqueueAsync(DeniedByDes);

        // Act
        var outcome = await h.App.TickAsync();

        // Assert: the host's des verdict was a deny, so nothing is committed whatever the flow reports.
        Assert.Equal(DispatchResult.Refused, outcome!.Result);
        Assert.Contains("axis 'des' denied this change", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(IssueState.Failed, issue.Status.State);
        Assert.StartsWith("refused: ", issue.Status.Reason, StringComparison.Ordinal);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Failed, entry.Outcome);
        Assert.StartsWith("refused: ", Assert.Single(entry.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flow_that_reports_verdicts_without_running_the_verifiers_is_refused()
    {
        // Arrange: a flow without the verifier fan-out whose committer claims every axis passed.
        await using var h = await EnhanceHarness.CreateAsync();
        await WriteFlowVersionAsync(h, flow =>
        {
            flow["agents"]![3]!["spec"] = new JsonObject { ["source"] = AlwaysApprove };
            flow["flow"]!["children"]!.AsArray().RemoveAt(2);
        });
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
        await h.EnqueueAsync(OwnerB);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Refused, outcome!.Result);
        Assert.Contains("the host recorded no verdict of axis 'des'", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
    }

    [Fact]
    public async Task A_flow_that_reports_another_new_blueprint_than_the_verified_change_is_refused()
    {
        // Arrange: a host committer that slips one more change into the result it reports (with a matching hash).
        var committer = TestAgent.Returning(input => Approve(input!, bp => bp["metadata"]!["sneaky"] = true));
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer));
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
        var created = await h.EnqueueAsync(OwnerB);

        // Act
        var outcome = await h.App.TickAsync();

        // Assert
        Assert.Equal(DispatchResult.Refused, outcome!.Result);
        Assert.Contains("the reported new_blueprint", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(1, committer.Calls);
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
        Assert.StartsWith("refused: ", (await h.Issues.GetAsync(created.Issue.Id)).Status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flow_that_reports_another_patch_hash_than_its_proposal_is_refused()
    {
        var committer = TestAgent.Returning(input =>
        {
            var commit = Approve(input!, _ => { });
            commit["patch_hash"] = new string('c', 64);
            return commit;
        });
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer));
        await h.EnqueueAsync(OwnerB);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Refused, outcome!.Result);
        Assert.Contains("patch_hash", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_committer_that_reports_the_verified_change_is_applied_with_the_verdicts_the_host_recorded()
    {
        // The committer reports the change as verified but fakes every verdict's detail: the log keeps the host's.
        var committer = TestAgent.Returning(input => Approve(input!, _ => { }));
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer));
        await h.EnqueueAsync(OwnerB);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceSetting.BuiltInAxes, entry.Verdicts.Select(v => v.Axis));
        Assert.All(entry.Verdicts, v => Assert.NotEqual("faked", v.Detail));
        Assert.All(entry.Verdicts, v => Assert.Equal(VerdictStatus.Pass, v.Status));
    }

    [Fact]
    public async Task Changing_a_flow_series_is_refused_unless_the_host_opts_in()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version;

        await Assert.ThrowsAsync<AuthorizationException>(() => h.App.ChangeFlowAsync(EnhanceDefaults.BlueprintId, Json(SwapCommitter), "approve everything"));

        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version);
    }

    [Fact]
    public async Task The_host_changes_a_flow_series_through_the_gated_path_after_checking_every_axis()
    {
        // Arrange
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.AllowFlowChanges = true);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version;
        const string Describe = """[{"op":"replace","path":"/metadata/description","value":"reviewed"}]""";

        // Act
        var version = await h.App.ChangeFlowAsync(EnhanceDefaults.BlueprintId, Json(Describe), "describe the flow");
        await h.EnqueueAsync(OwnerB);
        var outcome = await h.App.TickAsync();

        // Assert: one commit with the head as parent and its own origin; the label bumped; dispatch goes on.
        var commit = await h.Blueprints.ReadCommitAsync(EnhanceDefaults.BlueprintId, version);
        Assert.Equal([head], commit.Parents);
        Assert.Equal("flow-change", commit.Metadata.Origin);
        Assert.Equal("describe the flow", commit.Metadata.Rationale);
        Assert.Equal("1.0.1", (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.VersionLabel);
        Assert.Equal(DispatchResult.Applied, outcome!.Result);
    }

    [Fact]
    public async Task The_gated_path_refuses_a_flow_change_an_axis_denies_and_writes_nothing()
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.AllowFlowChanges = true);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version;
        const string BreakRef = """[{"op":"replace","path":"/flow/children/3/ref","value":"approver"}]""";

        var ex = await Assert.ThrowsAsync<ValidationException>(() => h.App.ChangeFlowAsync(EnhanceDefaults.BlueprintId, Json(BreakRef), "use another committer"));

        Assert.Contains(ex.Errors, e => e.Path == "$.verifiers.agent-ref");
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version);
    }

    [Fact]
    public async Task The_gated_path_changes_only_flow_series()
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.AllowFlowChanges = true);

        var ex = await Assert.ThrowsAsync<ValidationException>(() => h.App.ChangeFlowAsync(EnhanceHarness.Target, Json(OwnerB), "not a flow"));

        Assert.Contains("is not a flow series", ex.Message, StringComparison.Ordinal);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
    }

    /// <summary>A commit decision that applies what the patch applier produced (changed by <paramref name="tamper"/>) with faked verdicts.</summary>
    private static JsonObject Approve(JsonNode ctx, Action<JsonObject> tamper)
    {
        var applied = ctx["applied"]!;
        var blueprint = applied["new_blueprint"]!.DeepClone().AsObject();
        tamper(blueprint);
        return new JsonObject
        {
            ["status"] = "applied",
            ["new_hash"] = Blueprint.FromNode(blueprint).Version.Value,
            ["new_blueprint"] = blueprint,
            ["bump"] = applied["bump"]!.DeepClone(),
            ["patch_hash"] = applied["patch_hash"]!.DeepClone(),
            ["rationale"] = "r",
            ["summary"] = "s",
            ["verdicts"] = new JsonArray([.. EnhanceSetting.BuiltInAxes.Select(a => (JsonNode?)new JsonObject { ["axis"] = a, ["status"] = "pass", ["detail"] = "faked" })]),
        };
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    /// <summary>Writes a new version of the enhance-default series straight to the store.</summary>
    internal static async Task WriteFlowVersionAsync(EnhanceHarness h, Action<JsonObject> change)
    {
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value;
        var node = head.ToJsonObject();
        change(node);
        node["metadata"]!["version_label"] = "1.1.0";
        await h.Blueprints.WriteNewAsync(EnhanceDefaults.BlueprintId, Blueprint.FromNode(node), [head.Version], new CommitMetadata("changed outside the engine"));
    }

    /// <summary>Writes a copy of the built-in flow as the first version of another series.</summary>
    private static async Task<BlueprintId> WriteFlowSeriesAsync(EnhanceHarness h, string id)
    {
        var series = BlueprintId.Parse(id);
        var node = EnhanceDefaults.Blueprint.ToJsonObject();
        node["id"] = id;
        await h.Blueprints.WriteNewAsync(series, Blueprint.FromNode(node), [], new CommitMetadata("seed", Origin: "seed"));
        return series;
    }

    private static async Task PointSettingAtAsync(EnhanceHarness h, BlueprintId orbit)
    {
        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { OrbitBlueprintId = orbit });
    }
}
