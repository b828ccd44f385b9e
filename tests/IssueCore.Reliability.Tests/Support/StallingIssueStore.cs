using IssueCore.Issues;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>An issue store whose database may stop answering (see <see cref="Stall"/>).</summary>
internal sealed class StallingIssueStore(IIssueStore inner, Stall stall) : IIssueStore
{
    public async Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(CreateAsync), cancellationToken);
        return await inner.CreateAsync(draft, cancellationToken);
    }

    public async Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(FindAsync), cancellationToken);
        return await inner.FindAsync(id, cancellationToken);
    }

    public async Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(FindByIdempotencyKeyAsync), cancellationToken);
        return await inner.FindByIdempotencyKeyAsync(idempotencyKey, cancellationToken);
    }

    public async Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(ClaimNextAsync), cancellationToken);
        return await inner.ClaimNextAsync(owner, leaseDuration, cancellationToken);
    }

    public async Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(RenewLeaseAsync), cancellationToken);
        return await inner.RenewLeaseAsync(id, owner, leaseDuration, cancellationToken);
    }

    public async Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(CompleteAsync), cancellationToken);
        return await inner.CompleteAsync(id, owner, status, cancellationToken);
    }

    public async Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(ReleaseAsync), cancellationToken);
        return await inner.ReleaseAsync(id, owner, notBefore, error, cancellationToken);
    }

    public async Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(ListAsync), cancellationToken);
        return await inner.ListAsync(query, cancellationToken);
    }
}
