using System.Data;
using System.Runtime.CompilerServices;
using IssueCore.Adapters.Postgres.Storage;
using IssueCore.Blueprints;
using IssueCore.Issues;
using Npgsql;
using NpgsqlTypes;

namespace IssueCore.Adapters.Postgres;

/// <summary>
/// Content-addressed Blueprint storage on PostgreSQL. <see cref="WriteNewAsync"/> is one transaction
/// that locks the series' head row <c>FOR UPDATE</c> before comparing and swapping it; the canonical
/// JSON text is stored as written and re-hashed on every read.
/// </summary>
public sealed class PostgresBlueprintStore : IBlueprintStore
{
    private const string VersionColumns =
        "version, canonical_json, parents, origin, rationale, epoch_blueprint_id, epoch_start_version, epoch_started_at, "
        + "patch_hash, issue_id, committed_at, blueprint_id";

    private const int PageSize = 500;

    private readonly PostgresDatabase _db;
    private readonly VerifiedBlueprintCache _verified = new();
    private readonly string _readHead;
    private readonly string _readVersion;
    private readonly string _lockHead;
    private readonly string _insertSeries;
    private readonly string _insertVersion;
    private readonly string _moveHead;
    private readonly string _history;
    private readonly string _byIssue;
    private readonly string _exists;
    private readonly string _listIds;
    private readonly string _setArchived;
    private readonly string _isArchived;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The shared data source, schema and clock.</param>
    public PostgresBlueprintStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        var s = PostgresSchema.Quote(database.Schema);
        _readHead = $"SELECT {Sql.Prefixed(VersionColumns, "v")} FROM {s}.blueprints b JOIN {s}.blueprint_versions v ON v.blueprint_id = b.id AND v.version = b.head_version WHERE b.id = @id";
        _readVersion = $"SELECT {VersionColumns} FROM {s}.blueprint_versions WHERE blueprint_id = @id AND version = @version";
        _lockHead = $"SELECT head_version, archived FROM {s}.blueprints WHERE id = @id FOR UPDATE";
        _insertSeries = $"INSERT INTO {s}.blueprints (id, head_version, archived, created_at, updated_at) VALUES (@id, @version, false, @now, @now) ON CONFLICT (id) DO NOTHING";
        _insertVersion =
            $"INSERT INTO {s}.blueprint_versions (blueprint_id, version, canonical_json, version_label, parents, origin, rationale, "
            + "epoch_blueprint_id, epoch_start_version, epoch_started_at, patch_hash, issue_id, committed_at) "
            + "VALUES (@id, @version, @json, @label, @parents, @origin, @rationale, @epoch_id, @epoch_version, @epoch_at, @patch_hash, @issue_id, @now) "
            + "ON CONFLICT (blueprint_id, version) DO NOTHING";
        _moveHead = $"UPDATE {s}.blueprints SET head_version = @version, updated_at = @now WHERE id = @id";
        _history = $"SELECT {VersionColumns} FROM {s}.blueprint_versions WHERE blueprint_id = @id ORDER BY seq DESC LIMIT @limit";
        _byIssue = $"SELECT {VersionColumns} FROM {s}.blueprint_versions WHERE blueprint_id = @id AND issue_id = @issue_id";
        _exists = $"SELECT archived FROM {s}.blueprints WHERE id = @id";
        _listIds = $"SELECT id FROM {s}.blueprints WHERE id COLLATE \"C\" > @after ORDER BY id COLLATE \"C\" LIMIT {PageSize}";
        _setArchived = $"UPDATE {s}.blueprints SET archived = @archived, updated_at = @now WHERE id = @id";
        _isArchived = _exists;
    }

    /// <inheritdoc />
    public async Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_readHead);
            command.AddText("id", id.Value);
            return await ReadTracedAsync(_verified, command, cancellationToken).ConfigureAwait(false)
                   ?? throw new NotFoundException("blueprint", id.Value);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read the head of blueprint '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_readVersion);
            command.AddText("id", id.Value);
            command.AddText("version", version.Value);
            return await ReadTracedAsync(_verified, command, cancellationToken).ConfigureAwait(false)
                   ?? throw new NotFoundException("blueprint version", $"{id}@{version}");
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read version {version.Short} of blueprint '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blueprint);
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(metadata);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var version = blueprint.Version;
        var now = _db.TimeProvider.GetUtcNow();
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);

            var written = await WriteNewInAsync(connection, tx, id, blueprint, parents, metadata, version, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return written;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation && ex.ConstraintName == "blueprint_versions_one_commit_per_issue")
        {
            throw new ConflictException(
                $"Issue '{metadata.IssueId}' already committed a version of blueprint '{id}'; find it with FindCommitByIssueAsync.",
                expected: null,
                actual: metadata.IssueId?.Value,
                innerException: ex);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"write a new version of blueprint '{id}'");
        }
    }


    /// <summary>The database this store writes.</summary>
    internal PostgresDatabase Database => _db;

    /// <summary>
    /// The compare-and-swap of <see cref="WriteNewAsync"/> inside a caller's transaction; the caller commits. Provider
    /// errors are not translated here.
    /// </summary>
    internal async Task<Traced<Blueprint>> WriteNewInAsync(NpgsqlConnection connection, NpgsqlTransaction tx, BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, BlueprintVersion version, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? head = null;
        var archived = false;
        await using (var lockHead = new NpgsqlCommand(_lockHead, connection, tx))
        {
            lockHead.AddText("id", id.Value);
            await using var reader = await lockHead.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                head = reader.GetString(0);
                archived = reader.GetBoolean(1);
            }
        }

        if (archived)
        {
            throw new ArchivedSeriesException(id);
        }

        if (head is null)
        {
            if (parents.Count > 0)
            {
                throw new ConflictException(
                    $"Blueprint '{id}' does not exist, so a first version takes no parents.",
                    expected: parents[0].Value,
                    actual: null);
            }

            await using var insertSeries = new NpgsqlCommand(_insertSeries, connection, tx);
            insertSeries.AddText("id", id.Value);
            insertSeries.AddText("version", version.Value);
            insertSeries.AddTime("now", now);
            if (await insertSeries.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new ConflictException($"Blueprint '{id}' was created concurrently; read its head and retry on top of it.", expected: null, actual: "a concurrent first version");
            }
        }
        else
        {
            if (parents.Count == 0)
            {
                throw new ConflictException($"Blueprint '{id}' exists; a new version must name its head as a parent.", expected: null, actual: head);
            }

            if (!parents.Any(p => string.Equals(p.Value, head, StringComparison.Ordinal)))
            {
                throw new ConflictException(
                    $"The head of blueprint '{id}' moved: it is {head[..12]}, not among the parents given.",
                    expected: string.Join(",", parents.Select(p => p.Value)),
                    actual: head);
            }

            if (string.Equals(head, version.Value, StringComparison.Ordinal))
            {
                // Identical content: the version is the content, so nothing is written.
                await using var readHead = new NpgsqlCommand(_readHead, connection, tx);
                readHead.AddText("id", id.Value);
                return await ReadTracedAsync(_verified, readHead, cancellationToken).ConfigureAwait(false)
                       ?? throw new StorageException($"The head of blueprint '{id}' disappeared.");
            }
        }

        await using (var insert = new NpgsqlCommand(_insertVersion, connection, tx))
        {
            insert.AddText("id", id.Value);
            insert.AddText("version", version.Value);
            insert.AddText("json", blueprint.CanonicalJson);
            insert.AddText("label", blueprint.VersionLabel);
            insert.Add("parents", NpgsqlDbType.Array | NpgsqlDbType.Text, parents.Select(p => p.Value).ToArray());
            insert.AddText("origin", metadata.Origin);
            insert.AddText("rationale", metadata.Rationale);
            insert.AddText("epoch_id", metadata.Epoch?.BlueprintId.Value);
            insert.AddText("epoch_version", metadata.Epoch?.StartVersion?.Value);
            insert.AddTime("epoch_at", metadata.Epoch?.StartedAt);
            insert.AddText("patch_hash", metadata.PatchHash);
            insert.AddText("issue_id", metadata.IssueId?.Value);
            insert.AddTime("now", now);
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new ConflictException(
                    $"Blueprint '{id}' already has version {version.Short} in its history; a series cannot return to an older version.",
                    expected: head,
                    actual: version.Value);
            }

            // The next dispatch reads this version as the head: it is served from the cache, not parsed again.
            _verified.Remember(id, blueprint);
        }

        if (head is not null)
        {
            await using var move = new NpgsqlCommand(_moveHead, connection, tx);
            move.AddText("id", id.Value);
            move.AddText("version", version.Value);
            move.AddTime("now", now);
            await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var trace = new BlueprintTrace(version, parents.ToArray(), metadata.Origin, Truncate(now));
        return new Traced<Blueprint>(blueprint, trace);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var commits = new List<BlueprintCommit>();
            if (limit > 0)
            {
                await using var command = _db.DataSource.CreateCommand(_history);
                command.AddText("id", id.Value);
                command.Add("limit", NpgsqlDbType.Integer, limit);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    commits.Add(MapCommit(reader));
                }
            }

            if (commits.Count == 0 && await ArchivedFlagAsync(id, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new NotFoundException("blueprint", id.Value);
            }

            return commits;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read the history of blueprint '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_readVersion);
            command.AddText("id", id.Value);
            command.AddText("version", version.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? MapCommit(reader)
                : throw new NotFoundException("blueprint version", $"{id}@{version}");
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read the commit of version {version.Short} of blueprint '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_byIssue);
            command.AddText("id", id.Value);
            command.AddText("issue_id", issueId.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? MapCommit(reader) : null;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"find the commit of issue '{issueId}' in blueprint '{id}'");
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<BlueprintId> ListIdsAsync(CancellationToken cancellationToken = default)
        => ListIdsAfterAsync(null, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<BlueprintId> ListIdsAfterAsync(BlueprintId? after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The primary key orders the ids, so each page is an index range scan that starts after the key.
        var afterKey = after?.Value ?? string.Empty;
        while (true)
        {
            var page = await ListIdsPageAsync(afterKey, cancellationToken).ConfigureAwait(false);
            foreach (var id in page)
            {
                yield return BlueprintId.Parse(id);
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            afterKey = page[^1];
        }
    }

    /// <inheritdoc />
    public async Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_setArchived);
            command.AddText("id", id.Value);
            command.Add("archived", NpgsqlDbType.Boolean, archived);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new NotFoundException("blueprint", id.Value);
            }
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"archive blueprint '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ArchivedFlagAsync(id, cancellationToken).ConfigureAwait(false)
                   ?? throw new NotFoundException("blueprint", id.Value);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read the archive flag of blueprint '{id}'");
        }
    }

    private async Task<bool?> ArchivedFlagAsync(BlueprintId id, CancellationToken cancellationToken)
    {
        await using var command = _db.DataSource.CreateCommand(_isArchived);
        command.AddText("id", id.Value);
        return (bool?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<string>> ListIdsPageAsync(string after, CancellationToken cancellationToken)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_listIds);
            command.AddText("after", after);
            var ids = new List<string>(PageSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "list blueprints");
        }
    }

    private static async Task<Traced<Blueprint>?> ReadTracedAsync(VerifiedBlueprintCache verified, NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var commit = MapCommit(reader);
        var text = reader.GetString(1);

        // Parsed, canonicalised and hashed once per version: a later read of the same text is served from the cache.
        var blueprint = verified.GetOrVerify(commit.BlueprintId, commit.Version, text, (commit, text), static row => Verify(row.commit, row.text));
        return new Traced<Blueprint>(blueprint, new BlueprintTrace(commit.Version, commit.Parents, commit.Metadata.Origin, commit.CommittedAt));
    }

    /// <summary>Re-hashes stored content: a row whose text is not exactly the canonical form of its version is refused.</summary>
    private static Blueprint Verify(BlueprintCommit commit, string text)
    {
        Blueprint blueprint;
        try
        {
            blueprint = Blueprint.Parse(text);
        }
        catch (ValidationException ex)
        {
            throw new StorageException($"The stored document of blueprint '{commit.BlueprintId}' version {commit.Version.Short} is not a valid Blueprint.", ex);
        }

        // The version is the hash of the canonical text: a row edited outside IssueCore is refused.
        if (blueprint.Version != commit.Version || !string.Equals(blueprint.CanonicalJson, text, StringComparison.Ordinal))
        {
            throw new StorageException(
                $"The stored document of blueprint '{commit.BlueprintId}' version {commit.Version.Short} does not hash to its version (it hashes to {blueprint.Version.Short}); the row was changed outside IssueCore.");
        }

        return blueprint;
    }

    private static BlueprintCommit MapCommit(NpgsqlDataReader r)
    {
        var blueprintId = BlueprintId.Parse(r.GetString(11));
        var version = ParseVersion(r.GetString(0), blueprintId);
        var parents = r.GetFieldValue<string[]>(2).Select(p => ParseVersion(p, blueprintId)).ToArray();
        BlueprintEpoch? epoch = r.IsDBNull(5)
            ? null
            : new BlueprintEpoch(
                BlueprintId.Parse(r.GetString(5)),
                r.NullableString(6) is { } start ? ParseVersion(start, blueprintId) : null,
                r.Time(7));
        var metadata = new CommitMetadata(
            Rationale: r.GetString(4),
            Epoch: epoch,
            PatchHash: r.NullableString(8),
            IssueId: r.NullableString(9) is { } issue ? IssueId.Parse(issue) : null,
            Origin: r.GetString(3));
        return new BlueprintCommit(blueprintId, version, parents, metadata, r.Time(10));
    }

    private static BlueprintVersion ParseVersion(string text, BlueprintId id)
        => BlueprintVersion.TryParse(text, null, out var v)
            ? v
            : throw new StorageException($"Blueprint '{id}' holds a stored version '{text}' that is not 64 hex digits.");

    /// <summary>timestamptz keeps microseconds; the returned trace matches what a later read returns.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset value)
        => new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);
}
