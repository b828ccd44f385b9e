using System.Collections.ObjectModel;
using System.Globalization;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Adapters.InMemory;

/// <summary>
/// A linearizable in-memory <see cref="IIssueStore"/>: every operation runs under one lock, so one
/// claimer wins every claim and every transition is atomic. Contents live as long as the instance.
/// </summary>
/// <remarks>
/// It provides the <see cref="IDispatchFinalizer"/> of an <see cref="InMemoryBlueprintStore"/> and an
/// <see cref="InMemoryEnhanceLogStore"/>: it holds its own lock and theirs across the lease check, the commit, the
/// log entry and the completion, so a dispatcher that lost its lease writes none of them.
/// </remarks>
public sealed partial class InMemoryIssueStore : IIssueStore, IDispatchFinalizerProvider
{
    private const string TokenPrefix = "mem1:";

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<IssueId, Entry> _byId = [];
    private readonly Dictionary<string, IssueId> _byKey = new(StringComparer.Ordinal);

    // Creation order: sequences only grow, so this list stays sorted by sequence.
    private readonly List<Entry> _ordered = [];

    // The claim queue, so a claim never scans: every claimable-now issue in claim order (priority, then creation);
    // pending issues still backing off, by "not before"; running issues, by lease expiry; and per series, its
    // claimable issues, how many live leases it holds, and (when it holds none) its best issue in _readySeries.
    private readonly SortedSet<Entry> _candidates = new(ClaimOrder.Instance);
    private readonly SortedSet<Entry> _readySeries = new(ClaimOrder.Instance);
    private readonly SortedSet<Entry> _delayed = new(DueOrder.Instance);
    private readonly SortedSet<Entry> _leases = new(DueOrder.Instance);
    private readonly Dictionary<BlueprintId, SeriesQueue> _series = [];
    private long _nextSequence;

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">The clock for timestamps, leases and back-off; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryIssueStore(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(draft);

        lock (_gate)
        {
            if (draft.IdempotencyKey is { } key && _byKey.TryGetValue(key, out var existingId))
            {
                return Task.FromResult(new IssueCreateResult(_byId[existingId].Issue, Created: false));
            }

            if (draft.Id is { } explicitId && _byId.TryGetValue(explicitId, out var existing))
            {
                return Task.FromResult(new IssueCreateResult(existing.Issue, Created: false));
            }

            var now = _timeProvider.GetUtcNow();
            var issue = new Issue
            {
                Id = draft.Id ?? IssueId.New(),
                BlueprintId = draft.BlueprintId,
                Intent = draft.Intent,
                Patch = draft.Patch?.Clone(),
                Rationale = draft.Rationale,
                Bump = draft.Bump,
                Title = draft.Title,
                Description = draft.Description,
                Priority = draft.Priority,
                Labels = Freeze(draft.Labels),
                DueAt = draft.DueAt,
                Source = draft.Source,
                IdempotencyKey = draft.IdempotencyKey,
                Status = IssueStatus.Pending,
                Attempts = 0,
                CreatedAt = now,
                UpdatedAt = now,
                TargetRepo = draft.TargetRepo,
                TraceParent = draft.TraceParent,
            };

            var entry = new Entry(++_nextSequence, issue);
            _byId.Add(issue.Id, entry);
            _ordered.Add(entry);
            AttachPending(entry, now);
            if (issue.IdempotencyKey is { } newKey)
            {
                _byKey.Add(newKey, issue.Id);
            }

            return Task.FromResult(new IssueCreateResult(issue, Created: true));
        }
    }

    /// <inheritdoc />
    public Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_byId.TryGetValue(id, out var entry) ? entry.Issue : null);
        }
    }

    /// <inheritdoc />
    public Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        lock (_gate)
        {
            return Task.FromResult(_byKey.TryGetValue(idempotencyKey, out var id) ? _byId[id].Issue : null);
        }
    }

    /// <inheritdoc />
    public Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);

        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            Promote(now);
            return Task.FromResult<Issue?>(_candidates.Count == 0 ? null : Claim(_candidates.Min!, owner, now, leaseDuration));
        }
    }

    /// <inheritdoc />
    public Task<Issue?> ClaimNextBySeriesAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);

        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            Promote(now);
            return Task.FromResult<Issue?>(_readySeries.Count == 0 ? null : Claim(_readySeries.Min!, owner, now, leaseDuration));
        }
    }

    /// <inheritdoc />
    public Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);

        lock (_gate)
        {
            return Task.FromResult(Renew(GetHeldEntry(id, owner), leaseDuration));
        }
    }

    /// <inheritdoc />
    public Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(status);
        if (!status.IsTerminal)
        {
            throw new ArgumentException($"Complete needs a terminal status, not {status.State}.", nameof(status));
        }

        lock (_gate)
        {
            return Task.FromResult(Complete(GetHeldEntry(id, owner), status));
        }
    }

    /// <inheritdoc />
    public Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentException.ThrowIfNullOrEmpty(owner);

        lock (_gate)
        {
            return Task.FromResult(Release(GetHeldEntry(id, owner), notBefore, error));
        }
    }

    /// <inheritdoc />
    public Task<Issue> CheckLeaseAsync(IssueLease lease, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(GetLeasedEntry(lease).Issue);
        }
    }

    /// <inheritdoc />
    public Task<Issue> RenewUnderLeaseAsync(IssueLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        lock (_gate)
        {
            return Task.FromResult(Renew(GetLeasedEntry(lease), leaseDuration));
        }
    }

    /// <inheritdoc />
    public Task<Issue> RecordRunUnderLeaseAsync(IssueLease lease, CouncilRunId runId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // Neither the queue order nor the lease changes: the entry stays where it is indexed.
            var entry = GetLeasedEntry(lease);
            entry.Issue = entry.Issue with { RunId = runId, UpdatedAt = _timeProvider.GetUtcNow() };
            return Task.FromResult(entry.Issue);
        }
    }

    /// <inheritdoc />
    public Task<Issue> CompleteUnderLeaseAsync(IssueLease lease, IssueStatus status, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RequireTerminal(status);
        lock (_gate)
        {
            return Task.FromResult(Complete(GetLeasedEntry(lease), status));
        }
    }

    /// <inheritdoc />
    public Task<Issue> ReleaseUnderLeaseAsync(IssueLease lease, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Release(GetLeasedEntry(lease), notBefore, error));
        }
    }

    /// <inheritdoc />
    public IDispatchFinalizer? CreateFinalizer(IBlueprintStore blueprints, IEnhanceLogStore log)
        => blueprints is InMemoryBlueprintStore b && log is InMemoryEnhanceLogStore l ? new InMemoryDispatchFinalizer(this, b, l, null) : null;

    /// <inheritdoc />
    public IDispatchFinalizer? CreateFinalizer(IBlueprintStore blueprints, IEnhanceLogStore log, ICouncilRepository runs)
        => blueprints is InMemoryBlueprintStore b && log is InMemoryEnhanceLogStore l && runs is InMemoryCouncilRepository r
            ? new InMemoryDispatchFinalizer(this, b, l, r)
            : null;

    /// <summary>
    /// Finishes a dispatch atomically over this store, <paramref name="blueprints"/> and <paramref name="log"/>:
    /// lock order is issues, then log, then runs, then Blueprints (every other operation takes one lock only). The
    /// dispatch's run, when given, is stored with the rest (<paramref name="runs"/> must then be set).
    /// </summary>
    internal DispatchFinalized Finalize(DispatchFinalization finalization, InMemoryBlueprintStore blueprints, InMemoryEnhanceLogStore log, InMemoryCouncilRepository? runs)
    {
        ArgumentNullException.ThrowIfNull(finalization);
        RequireTerminal(finalization.Status);
        CouncilRunRecord? run = null;
        if (finalization.Run is { } record)
        {
            run = runs is null
                ? throw new ArgumentException("This finalizer was made without a council repository, so it cannot write the dispatch's run.", nameof(finalization))
                : InMemoryCouncilRepository.Copy(record);
        }

        lock (_gate)
        {
            var entry = GetLeasedEntry(finalization.Lease);
            lock (log.Gate)
            {
                // The run's lock is the log's own when there is no run to store (Lock is re-entrant).
                lock (runs?.Gate ?? log.Gate)
                {
                    if (run is not null)
                    {
                        runs!.EnsureAbsent(run.Run.Id);
                    }

                    if (log.Contains(entry.Issue.Id, finalization.Entry.Round))
                    {
                        throw new ConflictException($"The enhance log already holds an entry for issue '{entry.Issue.Id}' in round {finalization.Entry.Round}; nothing was written.", expected: "(no entry)", actual: entry.Issue.Id.Value);
                    }

                    var logEntry = finalization.Entry;
                    var status = finalization.Status;
                    Traced<Blueprint>? commit = null;
                    if (finalization.Commit is { } c)
                    {
                        commit = blueprints.WriteNew(c.BlueprintId, c.Blueprint, c.Parents, c.Metadata);
                        if (status.State == IssueState.Applied && commit.Value.Version != status.NewVersion)
                        {
                            status = IssueStatus.Applied(commit.Value.Version);
                            logEntry = logEntry with { NewVersion = commit.Value.Version };
                        }
                    }

                    log.Append(logEntry);
                    if (run is not null)
                    {
                        runs!.Store(run);
                    }

                    return new DispatchFinalized(Complete(entry, status, logEntry.RunId), logEntry, commit);
                }
            }
        }
    }

    /// <inheritdoc />
    public Task<IssueRequeueResult> RequeueAsync(IssueId id, string requestedBy, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentException.ThrowIfNullOrEmpty(requestedBy);
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var entry))
            {
                throw new NotFoundException("issue", id.Value);
            }

            var before = entry.Issue;
            if (before.Status.State is not (IssueState.Failed or IssueState.Rejected))
            {
                return Task.FromResult(new IssueRequeueResult(before, Requeued: false));
            }

            if (before.Round >= IssueRequeue.MaxRounds)
            {
                throw RequeueLimit(before);
            }

            var now = _timeProvider.GetUtcNow();
            entry.Issue = before with
            {
                Status = IssueStatus.Pending,
                Round = before.Round + 1,
                RoundStartAttempts = before.Attempts,
                NotBefore = null,
                LastError = null,
                UpdatedAt = now,
            };
            entry.Requeues.Add(new IssueRequeue
            {
                IssueId = id,
                Round = before.Round + 1,
                RequestedBy = requestedBy,
                RequeuedAt = now,
                PreviousStatus = before.Status,
                PreviousAttempts = before.Attempts,
            });
            AttachPending(entry, now);
            return Task.FromResult(new IssueRequeueResult(entry.Issue, Requeued: true));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IssueRequeue>> ListRequeuesAsync(IssueId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return _byId.TryGetValue(id, out var entry)
                ? Task.FromResult<IReadOnlyList<IssueRequeue>>([.. entry.Requeues])
                : throw new NotFoundException("issue", id.Value);
        }
    }

    /// <summary>The refusal of a requeue beyond <see cref="IssueRequeue.MaxRounds"/>.</summary>
    internal static ConflictException RequeueLimit(Issue issue)
        => new($"Issue '{issue.Id}' was requeued {issue.Round} times, the most allowed; it stays {issue.Status.State}.", expected: $"round < {IssueRequeue.MaxRounds}", actual: issue.Round.ToString(CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000)
        {
            throw new ValidationException("$.limit", "The page size must be between 1 and 1000.");
        }

        var after = ParseToken(query.ContinuationToken);
        lock (_gate)
        {
            var start = FirstIndexAfter(after);
            var items = new List<Issue>(Math.Min(query.Limit, 64));
            string? token = null;
            long lastSequence = 0;
            for (var i = start; i < _ordered.Count; i++)
            {
                var entry = _ordered[i];
                if (query.State is { } state && entry.Issue.Status.State != state)
                {
                    continue;
                }

                if (items.Count == query.Limit)
                {
                    // A further match exists, so the page is not the last one.
                    token = TokenPrefix + lastSequence.ToString(CultureInfo.InvariantCulture);
                    break;
                }

                items.Add(entry.Issue);
                lastSequence = entry.Sequence;
            }

            return Task.FromResult(new IssuePage(items.AsReadOnly(), token));
        }
    }

    private static ReadOnlyCollection<string> Freeze(IReadOnlyList<string>? labels)
        => labels is null or { Count: 0 } ? ReadOnlyCollection<string>.Empty : new ReadOnlyCollection<string>([.. labels]);

    private static long ParseToken(string? token)
    {
        if (token is null)
        {
            return 0;
        }

        if (token.StartsWith(TokenPrefix, StringComparison.Ordinal)
            && long.TryParse(token.AsSpan(TokenPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return sequence;
        }

        throw new ValidationException("$.continuation_token", "The continuation token was not issued by this store.");
    }

    private int FirstIndexAfter(long sequence)
    {
        int lo = 0, hi = _ordered.Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_ordered[mid].Sequence <= sequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static void RequireTerminal(IssueStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!status.IsTerminal)
        {
            throw new ArgumentException($"Complete needs a terminal status, not {status.State}.", nameof(status));
        }
    }

    private Issue Claim(Entry entry, string owner, DateTimeOffset now, TimeSpan leaseDuration)
    {
        Detach(entry);
        entry.Issue = entry.Issue with
        {
            Status = IssueStatus.Running,
            LeaseOwner = owner,
            LeaseExpiresAt = now + leaseDuration,
            NotBefore = null,
            Attempts = entry.Issue.Attempts + 1,
            UpdatedAt = now,
        };
        AttachLeased(entry);
        return entry.Issue;
    }

    private Issue Renew(Entry entry, TimeSpan leaseDuration)
    {
        var now = _timeProvider.GetUtcNow();
        Detach(entry);
        entry.Issue = entry.Issue with { LeaseExpiresAt = now + leaseDuration, UpdatedAt = now };
        AttachLeased(entry);
        return entry.Issue;
    }

    private Issue Release(Entry entry, DateTimeOffset notBefore, string? error)
    {
        var now = _timeProvider.GetUtcNow();
        Detach(entry);
        entry.Issue = entry.Issue with
        {
            Status = IssueStatus.Pending,
            LeaseOwner = null,
            LeaseExpiresAt = null,
            NotBefore = notBefore,
            LastError = error,
            UpdatedAt = now,
        };
        AttachPending(entry, now);
        return entry.Issue;
    }

    /// <summary>Moves due back-offs and expired leases into the claimable sets (both sets are ordered by due time).</summary>
    private void Promote(DateTimeOffset now)
    {
        while (_delayed.Count > 0 && _delayed.Min!.Due <= now)
        {
            var entry = _delayed.Min!;
            Detach(entry);
            AttachCandidate(entry);
        }

        while (_leases.Count > 0 && _leases.Min!.Due <= now)
        {
            var entry = _leases.Min!;
            Detach(entry);
            AttachCandidate(entry);
        }
    }

    private SeriesQueue SeriesOf(Entry entry)
    {
        if (!_series.TryGetValue(entry.Issue.BlueprintId, out var series))
        {
            series = new SeriesQueue();
            _series.Add(entry.Issue.BlueprintId, series);
        }

        return series;
    }

    private void AttachPending(Entry entry, DateTimeOffset now)
    {
        if (entry.Issue.NotBefore is { } notBefore && notBefore > now)
        {
            entry.Due = notBefore;
            entry.Slot = Slot.Delayed;
            _delayed.Add(entry);
        }
        else
        {
            AttachCandidate(entry);
        }
    }

    private void AttachCandidate(Entry entry)
    {
        var series = SeriesOf(entry);
        entry.Slot = Slot.Candidate;
        _candidates.Add(entry);
        series.Candidates.Add(entry);
        Refresh(series);
    }

    private void AttachLeased(Entry entry)
    {
        var series = SeriesOf(entry);
        entry.Due = entry.Issue.LeaseExpiresAt!.Value;
        entry.Slot = Slot.Leased;
        _leases.Add(entry);
        series.Live++;
        Refresh(series);
    }

    /// <summary>Takes the entry out of whichever queue set holds it.</summary>
    private void Detach(Entry entry)
    {
        switch (entry.Slot)
        {
            case Slot.Candidate:
            {
                var series = SeriesOf(entry);
                _candidates.Remove(entry);
                series.Candidates.Remove(entry);
                Refresh(series);
                break;
            }

            case Slot.Delayed:
                _delayed.Remove(entry);
                break;
            case Slot.Leased:
            {
                var series = SeriesOf(entry);
                _leases.Remove(entry);
                series.Live--;
                Refresh(series);
                break;
            }

            case Slot.Waiting:
                _waiting.Remove(entry);
                break;
        }

        entry.Slot = Slot.None;
    }

    /// <summary>Keeps a series' best claimable issue in <see cref="_readySeries"/> exactly when it holds no live lease.</summary>
    private void Refresh(SeriesQueue series)
    {
        var best = series.Live == 0 && series.Candidates.Count > 0 ? series.Candidates.Min : null;
        if (ReferenceEquals(best, series.Ready))
        {
            return;
        }

        if (series.Ready is { } old)
        {
            _readySeries.Remove(old);
        }

        series.Ready = best;
        if (best is not null)
        {
            _readySeries.Add(best);
        }
    }

    private Issue Complete(Entry entry, IssueStatus status, CouncilRunId? runId = null)
    {
        Detach(entry);
        entry.Issue = entry.Issue with
        {
            Status = status,
            RunId = runId ?? entry.Issue.RunId,
            LeaseOwner = null,
            LeaseExpiresAt = null,
            UpdatedAt = _timeProvider.GetUtcNow(),
        };
        return entry.Issue;
    }

    private Entry GetLeasedEntry(IssueLease lease)
    {
        if (!_byId.TryGetValue(lease.IssueId, out var entry))
        {
            throw new NotFoundException("issue", lease.IssueId.Value);
        }

        return lease.IsHeldOn(entry.Issue) ? entry : throw lease.Lost(entry.Issue);
    }

    private Entry GetHeldEntry(IssueId id, string owner)
    {
        if (!_byId.TryGetValue(id, out var entry))
        {
            throw new NotFoundException("issue", id.Value);
        }

        var issue = entry.Issue;
        if (issue.Status.State != IssueState.Running)
        {
            throw new ConflictException($"Issue '{id}' is {issue.Status.State}, not running under a lease held by '{owner}'.", expected: owner, actual: issue.LeaseOwner);
        }

        if (!string.Equals(issue.LeaseOwner, owner, StringComparison.Ordinal))
        {
            throw new ConflictException($"Issue '{id}' is leased to '{issue.LeaseOwner}', not '{owner}'.", expected: owner, actual: issue.LeaseOwner);
        }

        return entry;
    }

    private enum Slot
    {
        None,
        Candidate,
        Delayed,
        Leased,
        Waiting,
    }

    private sealed class Entry(long sequence, Issue issue)
    {
        public long Sequence { get; } = sequence;

        public Issue Issue { get; set; } = issue;

        /// <summary>The issue's requeue history, oldest first (at most <see cref="IssueRequeue.MaxRounds"/>).</summary>
        public List<IssueRequeue> Requeues { get; } = [];

        /// <summary>The approval of the issue's latest waiting round, if it ever waited (see <see cref="IIssueStore.AwaitApprovalUnderLeaseAsync"/>).</summary>
        public IssueApproval? Approval { get; set; }

        /// <summary>Which queue set holds the entry.</summary>
        public Slot Slot { get; set; }

        /// <summary>The sort key while in a due-ordered set: "not before" when delayed, the lease expiry when leased, the approval expiry when waiting.</summary>
        public DateTimeOffset Due { get; set; }
    }

    private sealed class SeriesQueue
    {
        public SortedSet<Entry> Candidates { get; } = new(ClaimOrder.Instance);

        public int Live { get; set; }

        public Entry? Ready { get; set; }
    }

    /// <summary>Highest priority first, then creation order.</summary>
    private sealed class ClaimOrder : IComparer<Entry>
    {
        public static readonly ClaimOrder Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            var byPriority = y!.Issue.Priority.CompareTo(x!.Issue.Priority);
            return byPriority != 0 ? byPriority : x.Sequence.CompareTo(y.Sequence);
        }
    }

    /// <summary>Earliest due first, then creation order.</summary>
    private sealed class DueOrder : IComparer<Entry>
    {
        public static readonly DueOrder Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            var byDue = x!.Due.CompareTo(y!.Due);
            return byDue != 0 ? byDue : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
