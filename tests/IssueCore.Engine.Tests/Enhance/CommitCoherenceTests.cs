using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IssueCore.Engine.Tests.Enhance;

/// <summary>
/// Applied always means one new commit, named alike by the issue, the history and the log: also when the setting
/// leaves out <c>noop</c>, when the store records another version than the committer's, and when a fault strikes
/// after the commit on the last attempt.
/// </summary>
public sealed class CommitCoherenceTests
{
    private static readonly IReadOnlyList<string> AxesWithoutNoop = ["des", "canonical", "agent-ref"];

    [Fact]
    public async Task A_patch_that_changes_nothing_is_rejected_as_unchanged_even_when_the_setting_has_no_noop_axis()
    {
        // Arrange
        await using var h = await EnhanceHarness.CreateAsync();
        await UseAxesAsync(h, AxesWithoutNoop);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
        var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-a"}]""");

        // Act
        var outcome = await h.App.TickAsync();

        // Assert: rejected with a clear reason; nothing written; every configured axis passed.
        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Rejected, outcome.Result);
        Assert.StartsWith("unchanged: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Rejected, entry.Outcome);
        Assert.Null(entry.NewVersion);
        Assert.StartsWith("unchanged: ", Assert.Single(entry.Reasons), StringComparison.Ordinal);
        Assert.Equal(AxesWithoutNoop, entry.Verdicts.Select(v => v.Axis));
        Assert.All(entry.Verdicts, v => Assert.Equal(VerdictStatus.Pass, v.Status));
        Assert.Equal(IssueState.Rejected, (await h.Issues.GetAsync(created.Issue.Id)).Status.State);
    }

    [Fact]
    public async Task A_committer_that_applies_the_heads_own_content_is_refused_by_the_dispatcher()
    {
        // Arrange: a host committer that says "applied" with the unchanged head.
        var verdicts = new JsonArray([.. AxesWithoutNoop.Select(a => (JsonNode?)new JsonObject { ["axis"] = a, ["status"] = "pass", ["detail"] = "ok" })]);
        var committer = TestAgent.Constant(new JsonObject
        {
            ["status"] = "applied",
            ["new_hash"] = EnhanceHarness.TargetV1.Version.Value,
            ["new_blueprint"] = EnhanceHarness.TargetV1.ToJsonObject(),
            ["bump"] = "patch",
            ["patch_hash"] = new string('c', 64),
            ["rationale"] = "r",
            ["summary"] = "s",
            ["verdicts"] = verdicts,
        });
        await using var h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer));
        await UseAxesAsync(h, AxesWithoutNoop);
        var created = await h.EnqueueAsync("""[{"op":"add","path":"/metadata/x","value":1}]""");

        // Act
        var outcome = await h.App.TickAsync();

        // Assert
        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Rejected, outcome.Result);
        Assert.StartsWith("unchanged: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Rejected, entry.Outcome);
        Assert.Equal(IssueStatus.Rejected(outcome.Reason!), (await h.Issues.GetAsync(created.Issue.Id)).Status);
    }

    public static TheoryData<string> DifferingStores => new() { "normalising", "misreporting" };

    [Theory]
    [MemberData(nameof(DifferingStores))]
    public async Task A_store_that_records_another_version_than_the_committers_hash_applies_the_issue_as_its_history_holds_it(string kind)
    {
        // Arrange: "normalising" stores different content than proposed (so another version); "misreporting" stores
        // what was proposed but answers with another version.
        await using var h = await EnhanceHarness.CreateAsync(s => Decorate(s, inner => new DifferingBlueprintStore(inner, normalise: kind == "normalising")));
        var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""");

        // Act
        var outcome = await h.App.TickAsync();

        // Assert: applied once; the issue, the commit and the log entry name the same version, the history's.
        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Applied, outcome.Result);
        var history = await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10);
        Assert.Equal(2, history.Count);
        var commit = Assert.Single(history, c => c.Metadata.IssueId == created.Issue.Id);
        Assert.Equal(commit.Version, outcome.NewVersion);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Applied, entry.Outcome);
        Assert.Equal(commit.Version, entry.NewVersion);
        Assert.Equal(history[1].Version, entry.PreviousVersion);
        Assert.Equal(IssueStatus.Applied(commit.Version), (await h.Issues.GetAsync(created.Issue.Id)).Status);
        var normalised = (await h.Blueprints.ReadVersionAsync(EnhanceHarness.Target, commit.Version)).Value.Root.GetProperty("metadata").TryGetProperty("normalised", out _);
        Assert.Equal(kind == "normalising", normalised);
    }

    [Fact]
    public async Task A_fault_after_the_commit_on_the_last_attempt_finishes_the_commit_instead_of_dead_lettering_it()
    {
        // Arrange: one attempt only; the log append fails right after the commit.
        var faults = new FaultPlan { Match = n => n == "log.append" };
        await using var h = await EnhanceHarness.CreateAsync(faults: faults, options: o => o.MaxAttempts = 1);
        var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""");
        faults.Arm(1);

        // Act
        var outcome = await h.App.TickAsync();

        // Assert: the commit is in the history, so the issue is applied (and logged), not Failed.
        Assert.NotNull(outcome);
        Assert.Equal(1, faults.Injected);
        Assert.Equal(DispatchResult.Applied, outcome.Result);
        Assert.True(outcome.Recovered);
        var history = await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10);
        Assert.Equal(created.Issue.Id, history[0].Metadata.IssueId);
        Assert.Equal(history[0].Version, Assert.Single(await h.LogEntriesAsync()).NewVersion);
        Assert.Equal(IssueStatus.Applied(history[0].Version), (await h.Issues.GetAsync(created.Issue.Id)).Status);
    }

    [Fact]
    public async Task A_fault_before_anything_was_written_on_the_last_attempt_still_dead_letters_the_issue()
    {
        var faults = new FaultPlan { Match = n => n == "blueprints.write" };
        await using var h = await EnhanceHarness.CreateAsync(faults: faults, options: o => o.MaxAttempts = 1);
        var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""");
        faults.Arm(1);

        var outcome = await h.App.TickAsync();

        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Failed, outcome.Result);
        Assert.Contains("gave up after 1 attempts", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10));
        var deadLetter = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Failed, deadLetter.Outcome);
        Assert.Null(deadLetter.NewVersion);
        Assert.Equal(IssueState.Failed, (await h.Issues.GetAsync(created.Issue.Id)).Status.State);
    }

    private static async Task UseAxesAsync(EnhanceHarness h, IReadOnlyList<string> axes)
    {
        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { VerifierAxes = axes });
    }

    private static void Decorate(IServiceCollection services, Func<IBlueprintStore, IBlueprintStore> wrap)
    {
        var factory = services.Last(d => d.ServiceType == typeof(IBlueprintStore)).ImplementationFactory!;
        services.Replace(ServiceDescriptor.Singleton(sp => wrap((IBlueprintStore)factory(sp))));
    }

    /// <summary>A Blueprint store whose issue commits come back under another version than the one proposed.</summary>
    private sealed class DifferingBlueprintStore(IBlueprintStore inner, bool normalise) : IBlueprintStore
    {
        public async Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default)
        {
            if (metadata.IssueId is null)
            {
                return await inner.WriteNewAsync(id, blueprint, parents, metadata, cancellationToken);
            }

            var other = blueprint.ToJsonObject();
            other["metadata"]!["normalised"] = true;
            var otherBlueprint = Blueprint.FromNode(other);
            if (normalise)
            {
                return await inner.WriteNewAsync(id, otherBlueprint, parents, metadata, cancellationToken);
            }

            var stored = await inner.WriteNewAsync(id, blueprint, parents, metadata, cancellationToken);
            return new Traced<Blueprint>(otherBlueprint, stored.Trace);
        }

        public Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default) => inner.ReadHeadAsync(id, cancellationToken);

        public Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default) => inner.ReadVersionAsync(id, version, cancellationToken);

        public Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default) => inner.HistoryAsync(id, limit, cancellationToken);

        public Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default) => inner.ReadCommitAsync(id, version, cancellationToken);

        public Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default) => inner.FindCommitByIssueAsync(id, issueId, cancellationToken);

        public IAsyncEnumerable<BlueprintId> ListIdsAsync(CancellationToken cancellationToken = default) => inner.ListIdsAsync(cancellationToken);

        public Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default) => inner.SetArchivedAsync(id, archived, cancellationToken);

        public Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default) => inner.IsArchivedAsync(id, cancellationToken);
    }
}
