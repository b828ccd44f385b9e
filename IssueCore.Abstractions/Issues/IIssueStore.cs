namespace IssueCore.Issues;

/// <summary>
/// The issue queue. Implementations must be linearizable: one claimer wins every claim, and every
/// state transition is atomic.
/// </summary>
/// <remarks>
/// The lifecycle: <c>Pending</c> → (claim) <c>Running</c> → (complete) <c>Applied</c> |
/// <c>Rejected</c> | <c>Failed</c>, or → (release) <c>Pending</c> with a back-off. A
/// <c>Running</c> issue whose lease has expired is claimable again. <see cref="Issue.Attempts"/>
/// is incremented by every claim (not by release), so a dispatch that keeps crashing the process
/// still reaches the retry budget.
/// </remarks>
public interface IIssueStore
{
    /// <summary>
    /// Creates an issue, or returns the existing one when an issue with the same
    /// <see cref="IssueDraft.IdempotencyKey"/> (or the same explicit <see cref="IssueDraft.Id"/>)
    /// exists; then nothing is created and <see cref="IssueCreateResult.Created"/> is <see langword="false"/>.
    /// The store must copy <see cref="IssueDraft.Patch"/> (the caller may dispose its document once the call returns);
    /// <see cref="IssueDraft.ToIssue"/> builds the issue to store, with the patch copied.
    /// </summary>
    Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default);

    /// <summary>Returns the issue, or <see langword="null"/> when there is none.</summary>
    Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default);

    /// <summary>Returns the issue created with this idempotency key, or <see langword="null"/>.</summary>
    Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically claims the next issue: a pending issue whose back-off has elapsed, or a running one
    /// whose lease has expired; highest priority first, then creation order. The claim sets
    /// <c>Running</c>, the lease owner and expiry, and increments <see cref="Issue.Attempts"/>.
    /// </summary>
    /// <param name="owner">Who claims (a dispatcher instance id).</param>
    /// <param name="leaseDuration">How long the lease lasts unless renewed.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>The claimed issue, or <see langword="null"/> when nothing is claimable.</returns>
    Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims like <see cref="ClaimNextAsync"/>, with series affinity: an issue whose series already has a running
    /// issue under a live lease is skipped, so concurrent dispatchers (in one process or several) work on different
    /// series instead of racing on one head. An expired lease does not hold its series.
    /// </summary>
    /// <remarks>
    /// The default claims without affinity (as <see cref="ClaimNextAsync"/>); the bundled adapters implement it.
    /// Affinity makes a lost compare-and-swap rare, not impossible: a series can still be written outside the queue.
    /// </remarks>
    /// <param name="owner">Who claims (a dispatcher instance id).</param>
    /// <param name="leaseDuration">How long the lease lasts unless renewed.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>The claimed issue, or <see langword="null"/> when nothing is claimable.</returns>
    Task<Issue?> ClaimNextBySeriesAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        => ClaimNextAsync(owner, leaseDuration, cancellationToken);

    /// <summary>Extends the lease of a running issue (the heartbeat).</summary>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException"><paramref name="owner"/> does not hold the lease.</exception>
    Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Moves a running issue to a terminal status. Only the lease holder may.</summary>
    /// <exception cref="ArgumentException"><paramref name="status"/> is not terminal.</exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException"><paramref name="owner"/> does not hold the lease (or the issue is not running).</exception>
    Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns a running issue to <c>Pending</c> for a retry after an infrastructure fault: clears the
    /// lease, records <paramref name="error"/>, and keeps it unclaimable until <paramref name="notBefore"/>.
    /// Only the lease holder may.
    /// </summary>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException"><paramref name="owner"/> does not hold the lease.</exception>
    Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default);

    /// <summary>Lists issues in creation order, one keyed page at a time.</summary>
    /// <exception cref="ValidationException">The page size is outside 1 to 1000, or the continuation token was not issued by this store.</exception>
    Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns the issue when it is still running under <paramref name="lease"/> (same owner and fencing token).
    /// </summary>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The lease is lost: the issue was completed, released or claimed again.</exception>
    async Task<Issue> CheckLeaseAsync(IssueLease lease, CancellationToken cancellationToken = default)
    {
        var stored = await FindAsync(lease.IssueId, cancellationToken).ConfigureAwait(false)
                     ?? throw new NotFoundException("issue", lease.IssueId.Value);
        return lease.IsHeldOn(stored) ? stored : throw lease.Lost(stored);
    }

    /// <summary>Extends the lease of a running issue, only under this very claim (owner and fencing token).</summary>
    /// <remarks>
    /// The default checks the token, then renews by owner: a narrow window remains in which a claim by a dispatcher
    /// sharing the owner name is not told apart. The bundled adapters check both in one atomic step.
    /// </remarks>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The lease is lost.</exception>
    async Task<Issue> RenewUnderLeaseAsync(IssueLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        await CheckLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
        return await RenewLeaseAsync(lease.IssueId, lease.Owner, leaseDuration, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves a running issue to a terminal status, only under this very claim (owner and fencing token).</summary>
    /// <remarks>The default checks the token, then completes by owner; the bundled adapters do both atomically.</remarks>
    /// <exception cref="ArgumentException"><paramref name="status"/> is not terminal.</exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The lease is lost.</exception>
    async Task<Issue> CompleteUnderLeaseAsync(IssueLease lease, IssueStatus status, CancellationToken cancellationToken = default)
    {
        await CheckLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
        return await CompleteAsync(lease.IssueId, lease.Owner, status, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns a running issue to <c>Pending</c> for a retry, only under this very claim (owner and fencing token).</summary>
    /// <remarks>The default checks the token, then releases by owner; the bundled adapters do both atomically.</remarks>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The lease is lost.</exception>
    async Task<Issue> ReleaseUnderLeaseAsync(IssueLease lease, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
    {
        await CheckLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
        return await ReleaseAsync(lease.IssueId, lease.Owner, notBefore, error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records on a running issue the flow run its dispatch started (<see cref="Issue.RunId"/>), only under this very
    /// claim (owner and fencing token), so a run can be found from its issue.
    /// </summary>
    /// <remarks>
    /// The dispatcher calls it when a run recorded as it executes (<c>RecordRunsEagerly</c>) starts, so that run can be
    /// found from its issue while it runs. A buffered run (the default) is not stored before the outcome, and its id
    /// is set with the outcome by the <see cref="Enhance.IDispatchFinalizer"/>; the dispatcher calls this instead only
    /// just before it parks the issue for approval, releases it for a retry, or completes it without the finalizer.
    /// The default records nothing and returns the issue as stored (after checking the lease); the bundled adapters store it.
    /// </remarks>
    /// <param name="lease">The claim the dispatch holds.</param>
    /// <param name="runId">The run the dispatch started.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The issue as stored.</returns>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The lease is lost; nothing was recorded.</exception>
    Task<Issue> RecordRunUnderLeaseAsync(IssueLease lease, Council.CouncilRunId runId, CancellationToken cancellationToken = default)
        => CheckLeaseAsync(lease, cancellationToken);

    /// <summary>Returns the issue.</summary>
    /// <exception cref="NotFoundException">No such issue.</exception>
    async Task<Issue> GetAsync(IssueId id, CancellationToken cancellationToken = default)
        => await FindAsync(id, cancellationToken).ConfigureAwait(false)
           ?? throw new NotFoundException("issue", id.Value);

    /// <summary>
    /// Sends a dead-lettered (<see cref="IssueState.Failed"/>) or <see cref="IssueState.Rejected"/> issue back to the
    /// queue with a fresh retry budget, atomically: the issue becomes <c>Pending</c> (claimable at once), its
    /// <see cref="Issue.Round"/> goes up by one, <see cref="Issue.RoundStartAttempts"/> becomes its
    /// <see cref="Issue.Attempts"/> (which keeps counting, so a lease's fencing token is never reused), the reason and
    /// last error are cleared, and an <see cref="IssueRequeue"/> is added to its history in the same transaction.
    /// </summary>
    /// <remarks>
    /// Idempotent and exactly once: an issue in any other state is returned unchanged with
    /// <see cref="IssueRequeueResult.Requeued"/> <see langword="false"/>, so of two concurrent requeues of one dead
    /// letter exactly one moves it. The default throws <see cref="NotSupportedException"/>; the bundled adapters
    /// implement it.
    /// </remarks>
    /// <param name="id">The issue.</param>
    /// <param name="requestedBy">Who asks (recorded in the history).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException"><paramref name="requestedBy"/> is empty.</exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The issue already had <see cref="IssueRequeue.MaxRounds"/> rounds; nothing changed.</exception>
    Task<IssueRequeueResult> RequeueAsync(IssueId id, string requestedBy, CancellationToken cancellationToken = default)
        => Task.FromException<IssueRequeueResult>(new NotSupportedException($"{GetType().Name} cannot requeue issues."));

    /// <summary>Returns the issue's requeues, oldest first (at most <see cref="IssueRequeue.MaxRounds"/>); empty when it was never requeued.</summary>
    /// <remarks>The default returns an empty list; the bundled adapters implement it.</remarks>
    /// <param name="id">The issue.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="NotFoundException">No such issue.</exception>
    Task<IReadOnlyList<IssueRequeue>> ListRequeuesAsync(IssueId id, CancellationToken cancellationToken = default)
        => Task.FromResult<IReadOnlyList<IssueRequeue>>([]);

    /// <summary>
    /// Parks a running issue until a person decides, atomically: under this very claim (owner and fencing token) the
    /// issue becomes <see cref="IssueState.AwaitingApproval"/>, its lease is cleared (a waiting issue holds no
    /// dispatcher and is never claimed), and <paramref name="approval"/> is stored as the approval of its current round.
    /// </summary>
    /// <remarks>The default throws <see cref="NotSupportedException"/>; the bundled adapters implement it.</remarks>
    /// <param name="lease">The claim the dispatcher holds.</param>
    /// <param name="approval">What waits for approval (its <see cref="IssueApproval.Verdict"/> must be <see langword="null"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The issue as stored.</returns>
    /// <exception cref="ArgumentException">The approval belongs to another issue, or is already decided.</exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The lease is lost; nothing changed.</exception>
    Task<Issue> AwaitApprovalUnderLeaseAsync(IssueLease lease, IssueApproval approval, CancellationToken cancellationToken = default)
        => Task.FromException<Issue>(new NotSupportedException($"{GetType().Name} cannot hold issues for approval."));

    /// <summary>Returns the approval of the issue's current round (waiting or decided), or <see langword="null"/> when it has none.</summary>
    /// <remarks>The default returns <see langword="null"/>; the bundled adapters implement it.</remarks>
    /// <param name="id">The issue.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<IssueApproval?> FindApprovalAsync(IssueId id, CancellationToken cancellationToken = default)
        => Task.FromResult<IssueApproval?>(null);

    /// <summary>
    /// Records a decision on an issue that waits for approval and claims it to carry the decision out, atomically: the
    /// approval gets <paramref name="decision"/>, and the issue becomes <c>Running</c> under a lease for
    /// <paramref name="owner"/> with <see cref="Issue.Attempts"/> incremented (a fresh fencing token). Exactly once: of
    /// two concurrent decisions one records and the other gets <see cref="IssueApprovalResult.Decided"/>
    /// <see langword="false"/>, and an issue in any other state is returned unchanged the same way.
    /// </summary>
    /// <remarks>
    /// The decision is durable before it is carried out: a dispatcher that dies afterwards leaves a <c>Running</c> issue
    /// whose lease expires, and the next claim finds the decided approval and finishes it without running the flow.
    /// The default throws <see cref="NotSupportedException"/>; the bundled adapters implement it.
    /// </remarks>
    /// <param name="id">The issue.</param>
    /// <param name="decision">The decision.</param>
    /// <param name="owner">The lease owner that carries the decision out.</param>
    /// <param name="leaseDuration">How long the lease lasts unless renewed.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException"><paramref name="owner"/> or the decider is empty.</exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    Task<IssueApprovalResult> DecideApprovalAsync(IssueId id, IssueApprovalDecision decision, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        => Task.FromException<IssueApprovalResult>(new NotSupportedException($"{GetType().Name} cannot hold issues for approval."));

    /// <summary>
    /// Returns up to <paramref name="limit"/> approvals still waiting whose <see cref="IssueApproval.ExpiresAt"/> is at
    /// or before <paramref name="now"/>, earliest expiry first (an index read: the work is bounded by the limit).
    /// </summary>
    /// <remarks>The default returns an empty list; the bundled adapters implement it.</remarks>
    /// <param name="now">The instant to compare with (from the caller's <see cref="TimeProvider"/>).</param>
    /// <param name="limit">The most to return, 1 to 1000.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1 to 1000.</exception>
    Task<IReadOnlyList<IssueApproval>> ListExpiredApprovalsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
        => Task.FromResult<IReadOnlyList<IssueApproval>>([]);
}
