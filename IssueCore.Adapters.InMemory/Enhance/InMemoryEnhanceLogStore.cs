using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Adapters.InMemory;

/// <summary>An append-only in-memory <see cref="IEnhanceLogStore"/>. Contents live as long as the instance.</summary>
public sealed class InMemoryEnhanceLogStore : IEnhanceLogStore
{
    private readonly Lock _gate = new();
    private readonly List<EnhanceLogEntry> _entries = [];
    private readonly Dictionary<(IssueId Issue, int Round), EnhanceLogEntry> _byIssue = [];

    // The latest logged round per issue, for FindAsync.
    private readonly Dictionary<IssueId, EnhanceLogEntry> _latest = [];

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">Accepted for symmetry with the other stores; entries carry the caller's timestamp.</param>
    public InMemoryEnhanceLogStore(TimeProvider? timeProvider = null)
    {
        _ = timeProvider;
    }

    /// <inheritdoc />
    public Task AppendAsync(EnhanceLogEntry entry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Append(entry);
        return Task.CompletedTask;
    }

    /// <summary>The lock every operation takes; a finalizer holds it across its checks and writes.</summary>
    internal Lock Gate => _gate;

    /// <summary>Whether an entry exists for the issue's round.</summary>
    internal bool Contains(IssueId issueId, int round)
    {
        lock (_gate)
        {
            return _byIssue.ContainsKey((issueId, round));
        }
    }

    /// <summary>The append of <see cref="AppendAsync"/>, synchronous so a finalizer can run it under its own locks.</summary>
    internal void Append(EnhanceLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var stored = entry with
        {
            Verdicts = new ReadOnlyCollection<VerdictSummary>([.. entry.Verdicts]),
            Reasons = new ReadOnlyCollection<string>([.. entry.Reasons]),
        };

        lock (_gate)
        {
            if (!_byIssue.TryAdd((stored.IssueId, stored.Round), stored))
            {
                throw new ConflictException($"The enhance log already holds an entry for issue '{stored.IssueId}' in round {stored.Round}.", expected: "(no entry)", actual: _byIssue[(stored.IssueId, stored.Round)].Outcome.ToString());
            }

            if (!_latest.TryGetValue(stored.IssueId, out var latest) || latest.Round < stored.Round)
            {
                _latest[stored.IssueId] = stored;
            }

            _entries.Add(stored);
        }
    }

    /// <inheritdoc />
    public Task<EnhanceLogEntry?> FindAsync(IssueId issueId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_latest.TryGetValue(issueId, out var entry) ? entry : null);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<EnhanceLogEntry> ListByBlueprintAsync(BlueprintId blueprintId, CancellationToken cancellationToken = default)
        => ListAfterAsync(blueprintId, null, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<EnhanceLogEntry> ListAllAsync(CancellationToken cancellationToken = default)
        => ListAfterAsync(null, null, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<EnhanceLogEntry> ListAfterAsync(BlueprintId? blueprintId, EnhanceLogKey? after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnhanceLogEntry[] snapshot;
        lock (_gate)
        {
            // The log's order is (timestamp, append position); a key resumes strictly after its entry's position.
            var start = 0;
            var startTimestamp = DateTimeOffset.MinValue;
            if (after is { } key)
            {
                if (!_byIssue.TryGetValue((key.IssueId, key.Round), out var last))
                {
                    throw new NotFoundException("enhance log entry", key.IssueId.Value);
                }

                start = _entries.IndexOf(last) + 1;
                startTimestamp = last.Timestamp;
            }

            snapshot =
            [
                .. _entries
                    .Select((e, position) => (Entry: e, Position: position))
                    .Where(p => (blueprintId is not { } id || p.Entry.BlueprintId == id)
                                && (after is null || p.Entry.Timestamp > startTimestamp || (p.Entry.Timestamp == startTimestamp && p.Position >= start)))
                    .OrderBy(p => p.Entry.Timestamp)
                    .ThenBy(p => p.Position)
                    .Select(p => p.Entry),
            ];
        }

        foreach (var entry in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
