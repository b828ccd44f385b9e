using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Adapters.InMemory;

/// <summary>
/// A linearizable in-memory <see cref="IBlueprintStore"/>: <see cref="WriteNewAsync"/> is a
/// compare-and-swap on the series head under one lock. Contents live as long as the instance.
/// </summary>
public sealed class InMemoryBlueprintStore : IBlueprintStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly SortedDictionary<string, Series> _series = new(StringComparer.Ordinal);

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">The clock for commit timestamps; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryBlueprintStore(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var series = GetSeries(id);
            return Task.FromResult(series.Versions[^1].ToTraced());
        }
    }

    /// <inheritdoc />
    public Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(GetStored(id, version).ToTraced());
        }
    }

    /// <inheritdoc />
    public Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(WriteNew(id, blueprint, parents, metadata));
    }

    /// <summary>The compare-and-swap of <see cref="WriteNewAsync"/>, synchronous so a finalizer can run it under its own locks.</summary>
    internal Traced<Blueprint> WriteNew(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(blueprint);
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(metadata);
        var parentsCopy = new ReadOnlyCollection<BlueprintVersion>([.. parents]);
        var expected = parentsCopy.Count == 0 ? "(none)" : string.Join(",", parentsCopy);

        lock (_gate)
        {
            if (!_series.TryGetValue(id.Value, out var series))
            {
                if (parentsCopy.Count != 0)
                {
                    throw new ConflictException($"Blueprint '{id}' does not exist, so it has no head to write on.", expected: expected, actual: "(none)");
                }

                series = new Series();
                var first = new StoredVersion(id, blueprint, parentsCopy, metadata, _timeProvider.GetUtcNow());
                series.Add(first);
                _series.Add(id.Value, series);
                return first.ToTraced();
            }

            if (series.Archived)
            {
                throw new ArchivedSeriesException(id);
            }

            var head = series.Versions[^1];
            if (!parentsCopy.Contains(head.Blueprint.Version))
            {
                throw new ConflictException($"Blueprint '{id}' head moved: it is {head.Blueprint.Version.Short}.", expected: expected, actual: head.Blueprint.Version.Value);
            }

            if (blueprint.Version == head.Blueprint.Version)
            {
                // The version is the content: writing the head again is a no-op.
                return head.ToTraced();
            }

            if (series.ByVersion.ContainsKey(blueprint.Version))
            {
                throw new ConflictException($"Blueprint '{id}' already holds version {blueprint.Version.Short} in its history; a chain cannot revisit it.", expected: head.Blueprint.Version.Value, actual: blueprint.Version.Value);
            }

            if (metadata.IssueId is { } issueId && series.ByIssue.TryGetValue(issueId, out var earlier))
            {
                throw new ConflictException($"Issue '{issueId}' already committed version {earlier.Blueprint.Version.Short} of Blueprint '{id}'.", expected: "(no commit)", actual: earlier.Blueprint.Version.Value);
            }

            var stored = new StoredVersion(id, blueprint, parentsCopy, metadata, _timeProvider.GetUtcNow());
            series.Add(stored);
            return stored.ToTraced();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        lock (_gate)
        {
            var versions = GetSeries(id).Versions;
            var count = Math.Min(limit, versions.Count);
            var commits = new BlueprintCommit[count];
            for (var i = 0; i < count; i++)
            {
                commits[i] = versions[versions.Count - 1 - i].Commit;
            }

            return Task.FromResult<IReadOnlyList<BlueprintCommit>>(Array.AsReadOnly(commits));
        }
    }

    /// <inheritdoc />
    public Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(GetStored(id, version).Commit);
        }
    }

    /// <inheritdoc />
    public Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(
                _series.TryGetValue(id.Value, out var series) && series.ByIssue.TryGetValue(issueId, out var stored)
                    ? stored.Commit
                    : null);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<BlueprintId> ListIdsAsync(CancellationToken cancellationToken = default)
        => ListIdsAfterAsync(null, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<BlueprintId> ListIdsAfterAsync(BlueprintId? after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        BlueprintId[] ids;
        lock (_gate)
        {
            ids = after is { } key
                ? [.. _series.Keys.SkipWhile(k => string.CompareOrdinal(k, key.Value) <= 0).Select(BlueprintId.Parse)]
                : [.. _series.Keys.Select(BlueprintId.Parse)];
        }

        foreach (var id in ids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return id;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            GetSeries(id).Archived = archived;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(GetSeries(id).Archived);
        }
    }

    private Series GetSeries(BlueprintId id)
        => _series.TryGetValue(id.Value, out var series) ? series : throw new NotFoundException("blueprint", id.Value);

    private StoredVersion GetStored(BlueprintId id, BlueprintVersion version)
        => GetSeries(id).ByVersion.TryGetValue(version, out var stored)
            ? stored
            : throw new NotFoundException("blueprint version", $"{id.Value}@{version.Value}");

    private sealed class Series
    {
        public List<StoredVersion> Versions { get; } = [];

        public Dictionary<BlueprintVersion, StoredVersion> ByVersion { get; } = [];

        public Dictionary<IssueId, StoredVersion> ByIssue { get; } = [];

        public bool Archived { get; set; }

        public void Add(StoredVersion stored)
        {
            Versions.Add(stored);
            ByVersion.Add(stored.Blueprint.Version, stored);
            if (stored.Commit.Metadata.IssueId is { } issueId)
            {
                ByIssue.Add(issueId, stored);
            }
        }
    }

    // Blueprint, the commit records and the read-only parent list are immutable, so they can be shared with callers.
    private sealed class StoredVersion(BlueprintId id, Blueprint blueprint, ReadOnlyCollection<BlueprintVersion> parents, CommitMetadata metadata, DateTimeOffset committedAt)
    {
        public Blueprint Blueprint { get; } = blueprint;

        public BlueprintCommit Commit { get; } = new(id, blueprint.Version, parents, metadata, committedAt);

        public Traced<Blueprint> ToTraced()
            => new(Blueprint, new BlueprintTrace(Blueprint.Version, Commit.Parents, Commit.Metadata.Origin, Commit.CommittedAt));
    }
}
