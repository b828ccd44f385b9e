using IssueCore.Adapters.InMemory;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class ArchivedSeriesTests
{
    private const string Patch = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    [Fact]
    public async Task An_issue_for_an_archived_series_is_rejected_on_its_first_dispatch_with_the_reason_and_commits_nothing()
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.MaxAttempts = 5);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Trace.Version;
        await h.Blueprints.SetArchivedAsync(EnhanceHarness.Target, true);
        var created = await h.EnqueueAsync(Patch);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(IssueState.Rejected, issue.Status.State);
        Assert.Equal(1, issue.Attempts);
        Assert.Contains("series 'orders' is archived", issue.Status.Reason, StringComparison.Ordinal);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(EnhanceOutcome.Rejected, entry.Outcome);
        Assert.Equal(head, entry.PreviousVersion);
        Assert.StartsWith("archived: ", Assert.Single(entry.Reasons), StringComparison.Ordinal);
        Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Trace.Version);
        Assert.Null(await h.App.TickAsync());
    }

    [Fact]
    public async Task A_series_archived_after_the_dispatch_checked_it_rejects_the_commit_instead_of_retrying()
    {
        var inner = new InMemoryBlueprintStore();
        var stale = new StaleArchiveFlagStore(inner);
        await using var h = await EnhanceHarness.CreateAsync(
            configure: s => s.Replace(ServiceDescriptor.Singleton<IBlueprintStore>(stale)),
            options: o => o.MaxAttempts = 5);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Trace.Version;
        await inner.SetArchivedAsync(EnhanceHarness.Target, true);
        var created = await h.EnqueueAsync(Patch);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(1, issue.Attempts);
        Assert.Contains("is archived", issue.Status.Reason, StringComparison.Ordinal);
        Assert.Equal(head, (await inner.ReadHeadAsync(EnhanceHarness.Target)).Trace.Version);
        Assert.Equal(EnhanceOutcome.Rejected, Assert.Single(await h.LogEntriesAsync()).Outcome);
    }

    [Fact]
    public async Task Unarchiving_a_series_lets_its_next_issue_apply()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        await h.Blueprints.SetArchivedAsync(EnhanceHarness.Target, true);
        await h.Blueprints.SetArchivedAsync(EnhanceHarness.Target, false);
        await h.EnqueueAsync(Patch);

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
    }

    /// <summary>Says a series is not archived although it is: the archive landed between the dispatch's check and its commit.</summary>
    private sealed class StaleArchiveFlagStore(IBlueprintStore inner) : IBlueprintStore
    {
        public Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default) => inner.ReadHeadAsync(id, cancellationToken);

        public Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default) => inner.ReadVersionAsync(id, version, cancellationToken);

        public Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default)
            => inner.WriteNewAsync(id, blueprint, parents, metadata, cancellationToken);

        public Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default) => inner.HistoryAsync(id, limit, cancellationToken);

        public Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default) => inner.ReadCommitAsync(id, version, cancellationToken);

        public Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default) => inner.FindCommitByIssueAsync(id, issueId, cancellationToken);

        public IAsyncEnumerable<BlueprintId> ListIdsAsync(CancellationToken cancellationToken = default) => inner.ListIdsAsync(cancellationToken);

        public Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default) => inner.SetArchivedAsync(id, archived, cancellationToken);

        public Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default) => Task.FromResult(false);
    }
}
