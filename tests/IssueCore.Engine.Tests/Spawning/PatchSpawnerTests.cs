using System.Text.Json;
using IssueCore.Council;
using IssueCore.Engine.Tests.Enhance;
using IssueCore.Enhance;
using IssueCore.Enhance.Spawning;
using IssueCore.Enhance.Verifiers;
using IssueCore.Issues;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Spawning;

public sealed class PatchSpawnerTests
{
    private static Task<IssueCreateResult> EnqueueIntentAsync(EnhanceHarness h, string intent = "remember why")
        => h.App.HandleAsync(new IssueDraft { BlueprintId = EnhanceHarness.Target, Intent = intent, Title = "intent only" });

    private static async Task<List<CouncilRun>> RunsAsync(EnhanceHarness h)
    {
        var runs = new List<CouncilRun>();
        await foreach (var run in h.Provider.GetRequiredService<ICouncilRepository>().ListRunsAsync())
        {
            runs.Add(run);
        }

        return runs;
    }

    private static async Task<JsonElement> SpawnerStepOutputAsync(EnhanceHarness h)
    {
        var repository = h.Provider.GetRequiredService<ICouncilRepository>();
        var run = Assert.Single(await RunsAsync(h));
        await foreach (var e in repository.ListEventsAsync(run.Id))
        {
            if (e.Kind == RunEventKinds.StepCompleted && e.Payload.GetProperty("agent").GetString() == "patch-spawner")
            {
                return e.Payload.GetProperty("output").Clone();
            }
        }

        throw new Xunit.Sdk.XunitException("no completed patch-spawner step was recorded");
    }

    [Fact]
    public async Task Registered_spawner_turns_an_intent_only_issue_into_an_applied_change()
    {
        var spawner = ScriptedSpawner.RecordingIntent();
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCorePatchSpawner(spawner));
        var created = await EnqueueIntentAsync(h, "keep a note of the intent");

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;
        Assert.Equal("keep a note of the intent", head.Root.GetProperty("metadata").GetProperty("intent").GetString());
        Assert.Equal("1.0.1", head.VersionLabel);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal("recorded the intent", entry.Rationale);
        Assert.Equal(EnhanceSetting.BuiltInAxes.Count, entry.Verdicts.Count);
        Assert.All(entry.Verdicts, v => Assert.Equal(VerdictStatus.Pass, v.Status));
        var request = Assert.Single(spawner.Requests);
        Assert.Equal(created.Issue.Id, request.IssueId);
        Assert.Equal("intent only", request.Title);
        Assert.Equal(EnhanceHarness.TargetV1.Version, request.Head.Version);
        Assert.Equal(EnhanceSettingId.Default, request.SettingId);
    }

    [Fact]
    public async Task Spawner_model_prompt_and_token_usage_are_recorded_in_the_run_events()
    {
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCorePatchSpawner(ScriptedSpawner.RecordingIntent()));
        await EnqueueIntentAsync(h, "note it");

        Assert.Equal(DispatchResult.Applied, (await h.App.TickAsync())!.Result);

        var spawner = (await SpawnerStepOutputAsync(h)).GetProperty("spawner");
        Assert.Equal(nameof(ScriptedSpawner), spawner.GetProperty("name").GetString());
        Assert.Equal("scripted-1", spawner.GetProperty("model_id").GetString());
        Assert.Equal("intent: note it", spawner.GetProperty("prompt").GetString());
        Assert.Equal(17, spawner.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        Assert.Equal(12, spawner.GetProperty("usage").GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public async Task Issue_with_a_patch_keeps_the_built_in_path_and_never_reaches_the_spawner()
    {
        var spawner = ScriptedSpawner.RecordingIntent();
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCorePatchSpawner(spawner));
        await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""", intent: "hand over");

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        Assert.Equal(0, spawner.Calls);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;
        Assert.Equal("team-b", head.Root.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.False(head.Root.GetProperty("metadata").TryGetProperty("intent", out _));
        Assert.False((await SpawnerStepOutputAsync(h)).TryGetProperty("spawner", out _));
    }

    [Fact]
    public async Task No_patch_and_no_spawner_is_rejected_at_dispatch_at_once_without_running_the_flow()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var created = await EnqueueIntentAsync(h);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        Assert.StartsWith(PatchSpawnerSelector.NoSpawnerReason, outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(await RunsAsync(h));
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(IssueState.Rejected, issue.Status.State);
        Assert.Equal(1, issue.Attempts);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceHarness.TargetV1.Version, entry.PreviousVersion);
        Assert.Null(await h.App.TickAsync());
    }

    [Fact]
    public async Task Spawner_registered_for_another_setting_does_not_serve_the_dispatchers_setting()
    {
        var elsewhere = ScriptedSpawner.RecordingIntent();
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCorePatchSpawner(elsewhere, EnhanceSettingId.Parse("nightly")));
        await EnqueueIntentAsync(h);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        Assert.StartsWith(PatchSpawnerSelector.NoSpawnerReason, outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, elsewhere.Calls);
    }

    [Fact]
    public async Task Spawner_of_the_dispatchers_setting_wins_over_the_spawner_of_every_setting()
    {
        var general = ScriptedSpawner.RecordingIntent("general");
        var own = ScriptedSpawner.RecordingIntent("own");
        var setting = EnhanceSettingId.Parse("nightly");
        await using var h = await EnhanceHarness.CreateAsync(
            s => s.AddIssueCorePatchSpawner(general).AddIssueCorePatchSpawner(own, setting),
            o => o.SettingId = setting,
            install: false);
        await EnhanceDefaults.InstallAsync(h.Blueprints, h.Settings, setting);
        await EnqueueIntentAsync(h);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        Assert.Equal((0, 1), (general.Calls, own.Calls));
        Assert.Equal("own", Assert.Single(await h.LogEntriesAsync()).Rationale);
        Assert.Equal(setting, Assert.Single(own.Requests).SettingId);
    }

    [Fact]
    public async Task Cannot_propose_rejects_the_issue_once_with_the_spawners_reason()
    {
        var spawner = new ScriptedSpawner(_ => PatchProposal.CannotPropose("the intent names no field of this Blueprint"));
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCorePatchSpawner(spawner));
        var created = await EnqueueIntentAsync(h);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        Assert.Contains("the patch spawner cannot propose: the intent names no field of this Blueprint", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(1, spawner.Calls);
        Assert.Equal(EnhanceHarness.TargetV1.Version, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        Assert.Equal(1, (await h.Issues.GetAsync(created.Issue.Id)).Attempts);
        Assert.Null(await h.App.TickAsync());
    }

    [Fact]
    public async Task Spawner_operations_that_are_not_RFC_6902_are_rejected_before_the_applier()
    {
        var spawner = new ScriptedSpawner(_ => PatchProposal.Propose(ScriptedSpawner.Ops("""[{"op":"frobnicate","path":"/metadata"}]"""), "because"));
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCorePatchSpawner(spawner));
        await EnqueueIntentAsync(h);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        Assert.Contains("not RFC 6902", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spawner_proposal_goes_through_the_same_verifier_axes()
    {
        var spawner = new ScriptedSpawner(_ => PatchProposal.Propose(ScriptedSpawner.Ops("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]"""), "hand over"));
        var axis = new DenyTeamB();
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCorePatchSpawner(spawner).AddIssueCoreVerifierAxis("owner", axis));
        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { VerifierAxes = [.. setting.VerifierAxes, "owner"] });
        await EnqueueIntentAsync(h, "hand it to team b");

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        Assert.Contains("owner: team-b may not own orders", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(1, axis.Calls);
        Assert.Equal(EnhanceHarness.TargetV1.Version, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
    }

    [Fact]
    public async Task Spawner_that_throws_is_a_fault_retried_within_the_budget_then_dead_lettered()
    {
        var spawner = new ScriptedSpawner(_ => throw new HttpRequestException("provider unavailable"));
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCorePatchSpawner(spawner), o => o.MaxAttempts = 3);
        var created = await EnqueueIntentAsync(h);

        var outcomes = await h.DrainAsync([created.Issue.Id]);

        Assert.Equal([DispatchResult.Retrying, DispatchResult.Retrying, DispatchResult.Failed], outcomes.Select(o => o.Result));
        Assert.Equal(3, spawner.Calls);
    }

    [Fact]
    public async Task Host_patch_spawner_agent_wins_over_a_registered_spawner()
    {
        var spawner = ScriptedSpawner.RecordingIntent();
        var agent = Support.TestAgent.Returning(_ => System.Text.Json.Nodes.JsonNode.Parse("""{"ok":true,"ops":[{"op":"add","path":"/metadata/agent","value":1}],"rationale":"agent","bump":"patch"}"""));
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("patch-spawner", agent).AddIssueCorePatchSpawner(spawner));
        await EnqueueIntentAsync(h);

        Assert.Equal(DispatchResult.Applied, (await h.App.TickAsync())!.Result);
        Assert.Equal((1, 0), (agent.Calls, spawner.Calls));
    }

    private sealed class DenyTeamB : IVerifierAxis
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            var owner = context.Proposed.Root.GetProperty("metadata").GetProperty("owner").GetString();
            return ValueTask.FromResult(owner == "team-b"
                ? new VerdictSummary(context.Axis, VerdictStatus.Deny, "team-b may not own orders")
                : new VerdictSummary(context.Axis, VerdictStatus.Pass, "ok"));
        }
    }
}
