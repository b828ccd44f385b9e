using IssueCore.Issues;

namespace IssueCore.Adapters.InMemory;

/// <summary>The approval gate: issues parked until a person decides, ordered by their expiry.</summary>
public sealed partial class InMemoryIssueStore
{
    private readonly SortedSet<Entry> _waiting = new(DueOrder.Instance);

    /// <inheritdoc />
    public Task<Issue> AwaitApprovalUnderLeaseAsync(IssueLease lease, IssueApproval approval, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RequireWaitingApproval(lease.IssueId, approval);
        lock (_gate)
        {
            var entry = GetLeasedEntry(lease);
            Detach(entry);
            entry.Issue = entry.Issue with
            {
                Status = IssueStatus.AwaitingApproval,
                LeaseOwner = null,
                LeaseExpiresAt = null,
                UpdatedAt = _timeProvider.GetUtcNow(),
            };
            entry.Approval = approval with { Round = entry.Issue.Round };
            entry.Due = approval.ExpiresAt;
            entry.Slot = Slot.Waiting;
            _waiting.Add(entry);
            return Task.FromResult(entry.Issue);
        }
    }

    /// <inheritdoc />
    public Task<IssueApproval?> FindApprovalAsync(IssueId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_byId.TryGetValue(id, out var entry) ? CurrentApproval(entry) : null);
        }
    }

    /// <inheritdoc />
    public Task<IssueApprovalResult> DecideApprovalAsync(IssueId id, IssueApprovalDecision decision, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentException.ThrowIfNullOrEmpty(decision.DecidedBy);
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var entry))
            {
                throw new NotFoundException("issue", id.Value);
            }

            if (entry.Issue.Status.State != IssueState.AwaitingApproval || entry.Approval is not { IsDecided: false } waiting)
            {
                return Task.FromResult(new IssueApprovalResult(entry.Issue, CurrentApproval(entry), Decided: false));
            }

            var now = _timeProvider.GetUtcNow();
            entry.Approval = waiting.With(decision);
            Claim(entry, owner, now, leaseDuration);
            return Task.FromResult(new IssueApprovalResult(entry.Issue, entry.Approval, Decided: true));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IssueApproval>> ListExpiredApprovalsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        lock (_gate)
        {
            var expired = new List<IssueApproval>();
            foreach (var entry in _waiting)
            {
                if (entry.Due > now || expired.Count == limit)
                {
                    break;
                }

                expired.Add(entry.Approval!);
            }

            return Task.FromResult<IReadOnlyList<IssueApproval>>(expired.AsReadOnly());
        }
    }

    private static IssueApproval? CurrentApproval(Entry entry)
        => entry.Approval is { } approval && approval.Round == entry.Issue.Round ? approval : null;

    /// <summary>The checks every adapter makes on an approval to park.</summary>
    internal static void RequireWaitingApproval(IssueId issueId, IssueApproval approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        if (approval.IssueId != issueId)
        {
            throw new ArgumentException($"The approval belongs to issue '{approval.IssueId}', not '{issueId}'.", nameof(approval));
        }

        if (approval.IsDecided)
        {
            throw new ArgumentException("An approval to wait for must not be decided yet.", nameof(approval));
        }
    }
}
