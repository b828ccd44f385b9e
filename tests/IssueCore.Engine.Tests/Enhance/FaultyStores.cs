using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Engine.Tests.Enhance;

internal sealed class FaultyIssueStore(IIssueStore inner, FaultPlan plan) : IIssueStore
{
    public Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.create", () => inner.CreateAsync(draft, cancellationToken), cancellationToken);

    public Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.find", () => inner.FindAsync(id, cancellationToken), cancellationToken);

    public Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.find_key", () => inner.FindByIdempotencyKeyAsync(idempotencyKey, cancellationToken), cancellationToken);

    public Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.claim", () => inner.ClaimNextAsync(owner, leaseDuration, cancellationToken), cancellationToken);

    public Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.renew", () => inner.RenewLeaseAsync(id, owner, leaseDuration, cancellationToken), cancellationToken);

    public Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.complete", () => inner.CompleteAsync(id, owner, status, cancellationToken), cancellationToken);

    public Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.release", () => inner.ReleaseAsync(id, owner, notBefore, error, cancellationToken), cancellationToken);

    public Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.list", () => inner.ListAsync(query, cancellationToken), cancellationToken);

    public Task<Issue> RecordRunUnderLeaseAsync(IssueLease lease, IssueCore.Council.CouncilRunId runId, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.record_run", () => inner.RecordRunUnderLeaseAsync(lease, runId, cancellationToken), cancellationToken);

    // Operator calls, not part of a dispatch: forwarded without fault injection.
    public Task<IssueRequeueResult> RequeueAsync(IssueId id, string requestedBy, CancellationToken cancellationToken = default)
        => inner.RequeueAsync(id, requestedBy, cancellationToken);

    public Task<IReadOnlyList<IssueRequeue>> ListRequeuesAsync(IssueId id, CancellationToken cancellationToken = default)
        => inner.ListRequeuesAsync(id, cancellationToken);

    public Task<Issue> AwaitApprovalUnderLeaseAsync(IssueLease lease, IssueApproval approval, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.await_approval", () => inner.AwaitApprovalUnderLeaseAsync(lease, approval, cancellationToken), cancellationToken);

    public Task<IssueApproval?> FindApprovalAsync(IssueId id, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.find_approval", () => inner.FindApprovalAsync(id, cancellationToken), cancellationToken);

    public Task<IssueApprovalResult> DecideApprovalAsync(IssueId id, IssueApprovalDecision decision, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.decide_approval", () => inner.DecideApprovalAsync(id, decision, owner, leaseDuration, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<IssueApproval>> ListExpiredApprovalsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
        => plan.RunAsync("issues.expired_approvals", () => inner.ListExpiredApprovalsAsync(now, limit, cancellationToken), cancellationToken);
}

internal sealed class FaultyBlueprintStore(IBlueprintStore inner, FaultPlan plan) : IBlueprintStore
{
    public Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default)
        => plan.RunAsync("blueprints.head", () => inner.ReadHeadAsync(id, cancellationToken), cancellationToken);

    public Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
        => plan.RunAsync("blueprints.version", () => inner.ReadVersionAsync(id, version, cancellationToken), cancellationToken);

    public Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default)
        => plan.RunAsync("blueprints.write", () => inner.WriteNewAsync(id, blueprint, parents, metadata, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default)
        => plan.RunAsync("blueprints.history", () => inner.HistoryAsync(id, limit, cancellationToken), cancellationToken);

    public Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
        => plan.RunAsync("blueprints.commit", () => inner.ReadCommitAsync(id, version, cancellationToken), cancellationToken);

    public Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default)
        => plan.RunAsync("blueprints.commit_by_issue", () => inner.FindCommitByIssueAsync(id, issueId, cancellationToken), cancellationToken);

    public IAsyncEnumerable<BlueprintId> ListIdsAsync(CancellationToken cancellationToken = default) => inner.ListIdsAsync(cancellationToken);

    public Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default)
        => plan.RunAsync("blueprints.archive", () => inner.SetArchivedAsync(id, archived, cancellationToken), cancellationToken);

    public Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default)
        => plan.RunAsync("blueprints.is_archived", () => inner.IsArchivedAsync(id, cancellationToken), cancellationToken);
}

internal sealed class FaultySettingStore(IEnhanceSettingStore inner, FaultPlan plan) : IEnhanceSettingStore
{
    public Task<EnhanceSetting?> FindAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
        => plan.RunAsync("settings.find", () => inner.FindAsync(id, cancellationToken), cancellationToken);

    public Task PutAsync(EnhanceSettingId id, EnhanceSetting setting, CancellationToken cancellationToken = default)
        => plan.RunAsync("settings.put", () => inner.PutAsync(id, setting, cancellationToken), cancellationToken);
}

internal sealed class FaultyLogStore(IEnhanceLogStore inner, FaultPlan plan) : IEnhanceLogStore
{
    public Task AppendAsync(EnhanceLogEntry entry, CancellationToken cancellationToken = default)
        => plan.RunAsync("log.append", () => inner.AppendAsync(entry, cancellationToken), cancellationToken);

    public Task<EnhanceLogEntry?> FindAsync(IssueId issueId, CancellationToken cancellationToken = default)
        => plan.RunAsync("log.find", () => inner.FindAsync(issueId, cancellationToken), cancellationToken);

    public IAsyncEnumerable<EnhanceLogEntry> ListByBlueprintAsync(BlueprintId blueprintId, CancellationToken cancellationToken = default)
        => inner.ListByBlueprintAsync(blueprintId, cancellationToken);

    public IAsyncEnumerable<EnhanceLogEntry> ListAllAsync(CancellationToken cancellationToken = default)
        => inner.ListAllAsync(cancellationToken);
}
