using System.Runtime.CompilerServices;
using IssueCore.Blueprints;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// <see cref="IBlueprintStore"/> over SQLite. Each version is stored as its RFC 8785 canonical JSON
/// text keyed by its SHA-256; each series has a head row moved in the same transaction as the
/// version insert. Every read recomputes the hash, so a damaged row is reported as a
/// <see cref="StorageException"/> and never returned.
/// </summary>
public sealed class SqliteBlueprintStore : IBlueprintStore
{
    private const string CommitColumns =
        "v.version, v.position, v.parents, v.rationale, v.epoch_blueprint_id, v.epoch_start_version, v.epoch_started_at, " +
        "v.patch_hash, v.issue_id, v.origin, v.committed_at";

    internal const string HeadSql =
        "SELECT " + CommitColumns + ", v.content FROM blueprint_series s " +
        "JOIN blueprint_versions v ON v.blueprint_id = s.blueprint_id AND v.version = s.head_version " +
        "WHERE s.blueprint_id = @id;";

    private const string VersionSql =
        "SELECT " + CommitColumns + ", v.content FROM blueprint_versions v WHERE v.blueprint_id = @id AND v.version = @version;";

    private const string CommitSql =
        "SELECT " + CommitColumns + " FROM blueprint_versions v WHERE v.blueprint_id = @id AND v.version = @version;";

    private const string CommitByIssueSql =
        "SELECT " + CommitColumns + " FROM blueprint_versions v WHERE v.blueprint_id = @id AND v.issue_id = @issue_id;";

    internal const string HistorySql =
        "SELECT " + CommitColumns + " FROM blueprint_versions v WHERE v.blueprint_id = @id ORDER BY v.position DESC LIMIT @limit;";

    private const string SeriesHeadSql = "SELECT head_version, head_position, archived FROM blueprint_series WHERE blueprint_id = @id;";

    private const string SeriesExistsSql = "SELECT 1 FROM blueprint_series WHERE blueprint_id = @id;";

    private const string VersionExistsSql = "SELECT 1 FROM blueprint_versions WHERE blueprint_id = @id AND version = @version;";

    private const string InsertVersionSql =
        "INSERT INTO blueprint_versions (blueprint_id, version, position, content, parents, rationale, epoch_blueprint_id, " +
        "epoch_start_version, epoch_started_at, patch_hash, issue_id, origin, committed_at) VALUES (@id, @version, @position, " +
        "@content, @parents, @rationale, @epoch_blueprint_id, @epoch_start_version, @epoch_started_at, @patch_hash, @issue_id, @origin, @now);";

    private const string InsertSeriesSql =
        "INSERT INTO blueprint_series (blueprint_id, head_version, head_position, archived, created_at, updated_at) " +
        "VALUES (@id, @version, 1, 0, @now, @now);";

    private const string MoveHeadSql =
        "UPDATE blueprint_series SET head_version = @version, head_position = @position, updated_at = @now " +
        "WHERE blueprint_id = @id AND head_version = @expected;";

    private const string ListIdsSql = "SELECT blueprint_id FROM blueprint_series WHERE blueprint_id > @after ORDER BY blueprint_id LIMIT @limit;";

    private const string SetArchivedSql = "UPDATE blueprint_series SET archived = @archived WHERE blueprint_id = @id;";

    private const string IsArchivedSql = "SELECT archived FROM blueprint_series WHERE blueprint_id = @id;";

    private const int PageSize = 256;

    private readonly SqliteDatabase _database;

    /// <summary>Creates the store over a shared database.</summary>
    /// <param name="database">The database file (shared with the other SQLite stores).</param>
    public SqliteBlueprintStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <inheritdoc />
    public Task<Traced<Blueprint>> ReadHeadAsync(BlueprintId id, CancellationToken cancellationToken = default)
        => _database.ReadAsync(
            "Reading a Blueprint head",
            async (session, ct) =>
                await ReadTracedAsync(_database.Blueprints, id, session.Command(HeadSql).With("@id", id.Value), ct).ConfigureAwait(false)
                ?? throw new NotFoundException("blueprint", id.Value),
            cancellationToken);

    /// <inheritdoc />
    public Task<Traced<Blueprint>> ReadVersionAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
        => _database.ReadAsync(
            "Reading a Blueprint version",
            async (session, ct) =>
                await ReadTracedAsync(_database.Blueprints, id, session.Command(VersionSql).With("@id", id.Value).With("@version", version.Value), ct).ConfigureAwait(false)
                ?? throw await NotFoundAsync(session, id, version, ct).ConfigureAwait(false),
            cancellationToken);

    /// <inheritdoc />
    public Task<Traced<Blueprint>> WriteNewAsync(BlueprintId id, Blueprint blueprint, IReadOnlyList<BlueprintVersion> parents, CommitMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blueprint);
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(metadata.Rationale);
        ArgumentNullException.ThrowIfNull(metadata.Origin);
        var parentList = parents.ToArray();
        return _database.WriteAsync(
            "Writing a Blueprint version",
            (session, ct) => WriteNewInAsync(session, id, blueprint, parentList, metadata, ct),
            cancellationToken);
    }

    /// <summary>The database this store writes.</summary>
    internal SqliteDatabase Database => _database;

    /// <summary>The compare-and-swap of <see cref="WriteNewAsync"/> inside a caller's write transaction.</summary>
    internal async Task<Traced<Blueprint>> WriteNewInAsync(SqliteSession session, BlueprintId id, Blueprint blueprint, BlueprintVersion[] parentList, CommitMetadata metadata, CancellationToken ct)
    {
            string? head = null;
            long headPosition = 0;
            var probe = await session.Command(SeriesHeadSql).With("@id", id.Value).ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (probe.ConfigureAwait(false))
            {
                if (await probe.ReadAsync(ct).ConfigureAwait(false))
                {
                    head = probe.GetString(0);
                    headPosition = probe.GetInt64(1);
                    if (probe.GetInt64(2) != 0)
                    {
                        throw new ArchivedSeriesException(id);
                    }
                }
            }

            var version = blueprint.Version;
            if (head is null)
            {
                if (parentList.Length != 0)
                {
                    throw new ConflictException(
                        $"Blueprint '{id}' does not exist, so it has no head to write on top of.",
                        expected: Describe(parentList),
                        actual: "(none)");
                }
            }
            else
            {
                if (!parentList.Any(p => p.Value == head))
                {
                    throw new ConflictException(
                        parentList.Length == 0
                            ? $"Blueprint '{id}' exists (head {head}); a new version must name the head as a parent."
                            : $"Blueprint '{id}' moved: the head is {head}, which is not among the parents.",
                        expected: Describe(parentList),
                        actual: head);
                }

                if (version.Value == head)
                {
                    // Identical content: the version is the content, so there is nothing to write.
                    return await ReadTracedAsync(_database.Blueprints, id, session.Command(VersionSql).With("@id", id.Value).With("@version", head), ct).ConfigureAwait(false)
                        ?? throw new StorageException($"Blueprint '{id}' points at head {head}, which is missing.");
                }

            }

            var now = _database.TimeProvider.GetUtcNow();
            var position = headPosition + 1;
            var insert = session.Command(InsertVersionSql)
                .With("@id", id.Value)
                .With("@version", version.Value)
                .With("@position", position)
                .With("@content", blueprint.CanonicalJson)
                .With("@parents", SqliteJson.WriteStrings(parentList.Select(p => p.Value)))
                .With("@rationale", metadata.Rationale)
                .With("@epoch_blueprint_id", metadata.Epoch?.BlueprintId.Value)
                .With("@epoch_start_version", metadata.Epoch?.StartVersion?.Value)
                .With("@epoch_started_at", SqliteTime.ToDb(metadata.Epoch?.StartedAt))
                .With("@patch_hash", metadata.PatchHash)
                .With("@issue_id", metadata.IssueId?.Value)
                .With("@origin", metadata.Origin)
                .With("@now", SqliteTime.ToTicks(now));
            try
            {
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);

                // The next dispatch reads this version as the head: it is served from the cache, not parsed again.
                _database.Blueprints.Remember(id, blueprint);
            }
            catch (SqliteException ex) when (SqliteErrors.IsUniqueViolation(ex))
            {
                // Which unique index refused it is read only now, on the failure path.
                if (await session.Command(VersionExistsSql).With("@id", id.Value).With("@version", version.Value).ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
                {
                    throw new ConflictException(
                        $"Blueprint '{id}' already had version {version.Value}; a content-addressed chain cannot revisit an older version.",
                        expected: head,
                        actual: version.Value,
                        innerException: ex);
                }

                if (metadata.IssueId is not { } issueId)
                {
                    throw;
                }

                // The unique (blueprint_id, issue_id) index refused it; name the earlier commit.
                var earlier = await ReadCommitAsync(id, session.Command(CommitByIssueSql).With("@id", id.Value).With("@issue_id", issueId.Value), ct).ConfigureAwait(false);
                throw new ConflictException(
                    $"Issue '{issueId}' already committed version {earlier?.Version.Short} of Blueprint '{id}'; nothing was written.",
                    expected: "(no commit)",
                    actual: earlier?.Version.Value,
                    innerException: ex);
            }

            var moved = head is null
                ? await session.Command(InsertSeriesSql).With("@id", id.Value).With("@version", version.Value).With("@now", SqliteTime.ToTicks(now)).ExecuteNonQueryAsync(ct).ConfigureAwait(false)
                : await session.Command(MoveHeadSql).With("@id", id.Value).With("@version", version.Value).With("@position", position)
                    .With("@expected", head).With("@now", SqliteTime.ToTicks(now)).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            if (moved != 1)
            {
                throw new StorageException($"Blueprint '{id}' head could not be moved to {version.Value}.");
            }

            return new Traced<Blueprint>(blueprint, new BlueprintTrace(version, parentList, metadata.Origin, now));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BlueprintCommit>> HistoryAsync(BlueprintId id, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _database.ReadAsync<IReadOnlyList<BlueprintCommit>>(
            "Reading Blueprint history",
            async (session, ct) =>
            {
                var commits = new List<BlueprintCommit>(Math.Min(limit, 256));
                var reader = await session.Command(HistorySql).With("@id", id.Value).With("@limit", limit).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        commits.Add(MapCommit(id, reader));
                    }
                }

                if (commits.Count == 0 && await session.Command(SeriesExistsSql).With("@id", id.Value).ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
                {
                    throw new NotFoundException("blueprint", id.Value);
                }

                return commits;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<BlueprintCommit> ReadCommitAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken = default)
        => _database.ReadAsync(
            "Reading a Blueprint commit",
            async (session, ct) =>
                await ReadCommitAsync(id, session.Command(CommitSql).With("@id", id.Value).With("@version", version.Value), ct).ConfigureAwait(false)
                ?? throw await NotFoundAsync(session, id, version, ct).ConfigureAwait(false),
            cancellationToken);

    /// <inheritdoc />
    public Task<BlueprintCommit?> FindCommitByIssueAsync(BlueprintId id, IssueId issueId, CancellationToken cancellationToken = default)
        => _database.ReadAsync(
            "Finding a Blueprint commit by issue",
            (session, ct) => ReadCommitAsync(id, session.Command(CommitByIssueSql).With("@id", id.Value).With("@issue_id", issueId.Value), ct),
            cancellationToken);

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
            var page = await _database.ReadAsync(
                "Listing Blueprint ids",
                async (session, ct) =>
                {
                    var ids = new List<BlueprintId>(PageSize);
                    var reader = await session.Command(ListIdsSql).With("@after", afterKey).With("@limit", PageSize).ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            ids.Add(ParseId(reader.GetString(0)));
                        }
                    }

                    return ids;
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var id in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return id;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            afterKey = page[^1].Value;
        }
    }

    /// <inheritdoc />
    public Task SetArchivedAsync(BlueprintId id, bool archived, CancellationToken cancellationToken = default)
        => _database.WriteAsync(
            "Archiving a Blueprint",
            async (session, ct) =>
            {
                var changed = await session.Command(SetArchivedSql).With("@id", id.Value).With("@archived", archived ? 1 : 0).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return changed == 1 ? true : throw new NotFoundException("blueprint", id.Value);
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<bool> IsArchivedAsync(BlueprintId id, CancellationToken cancellationToken = default)
        => _database.ReadAsync(
            "Reading a Blueprint archive flag",
            async (session, ct) =>
            {
                var value = await session.Command(IsArchivedSql).With("@id", id.Value).ExecuteScalarAsync(ct).ConfigureAwait(false);
                return value is long flag ? flag != 0 : throw new NotFoundException("blueprint", id.Value);
            },
            cancellationToken);

    private static string Describe(BlueprintVersion[] parents)
        => parents.Length == 0 ? "(none)" : string.Join(",", parents.Select(p => p.Value));

    private static async Task<Exception> NotFoundAsync(SqliteSession session, BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken)
        => await session.Command(SeriesExistsSql).With("@id", id.Value).ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null
            ? new NotFoundException("blueprint", id.Value)
            : new NotFoundException("blueprint version", $"{id.Value}@{version.Value}");

    private static async Task<Traced<Blueprint>?> ReadTracedAsync(VerifiedBlueprintCache verified, BlueprintId id, SqliteCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var commit = MapCommit(id, reader);
            var row = (Id: id, commit.Version, Position: reader.GetInt64(1), Content: reader.GetString(11));
            var blueprint = verified.GetOrVerify(id, commit.Version, row.Content, row, static r => Verify(r.Id, r.Version, r.Position, r.Content));
            return new Traced<Blueprint>(blueprint, new BlueprintTrace(commit.Version, commit.Parents, commit.Metadata.Origin, commit.CommittedAt));
        }
    }

    private static async Task<BlueprintCommit?> ReadCommitAsync(BlueprintId id, SqliteCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? MapCommit(id, reader) : null;
        }
    }

    /// <summary>Re-hashes stored content: a row whose text is not exactly the canonical form of its version is damaged.</summary>
    private static Blueprint Verify(BlueprintId id, BlueprintVersion version, long position, string content)
    {
        Blueprint blueprint;
        try
        {
            blueprint = Blueprint.Parse(content);
        }
        catch (ValidationException ex)
        {
            throw Corrupted(id, version, position, $"its content is not a JSON object ({ex.Message})", ex);
        }

        if (blueprint.Version != version)
        {
            throw Corrupted(id, version, position, $"its content hashes to {blueprint.Version.Value}", null);
        }

        if (!string.Equals(blueprint.CanonicalJson, content, StringComparison.Ordinal))
        {
            throw Corrupted(id, version, position, "its content is not stored in canonical form", null);
        }

        return blueprint;
    }

    private static StorageException Corrupted(BlueprintId id, BlueprintVersion version, long position, string why, Exception? inner)
        => new($"Stored Blueprint row (blueprint_id '{id}', version '{version.Value}', position {position}) failed verification: {why}. The row is damaged and was not returned.", inner);

    private static BlueprintCommit MapCommit(BlueprintId id, SqliteDataReader r)
    {
        var versionText = r.GetString(0);
        try
        {
            var parents = SqliteJson.ReadStrings(r.GetString(2)).Select(BlueprintVersion.Parse).ToArray();
            var epochId = r.GetStringOrNull(4);
            var epoch = epochId is null
                ? null
                : new BlueprintEpoch(
                    BlueprintId.Parse(epochId),
                    r.GetStringOrNull(5) is { } start ? BlueprintVersion.Parse(start) : null,
                    r.GetTime(6));
            var metadata = new CommitMetadata(
                r.GetString(3),
                epoch,
                r.GetStringOrNull(7),
                r.GetStringOrNull(8) is { } issue ? IssueId.Parse(issue) : null,
                r.GetString(9));
            return new BlueprintCommit(id, BlueprintVersion.Parse(versionText), parents, metadata, r.GetTime(10));
        }
        catch (Exception ex) when (ex is ValidationException or System.Text.Json.JsonException or InvalidCastException)
        {
            throw new StorageException($"Stored Blueprint row (blueprint_id '{id}', version '{versionText}') has unreadable commit data: {ex.Message}", ex);
        }
    }

    private static BlueprintId ParseId(string text)
        => BlueprintId.TryParse(text, null, out var id) ? id : throw new StorageException($"Stored Blueprint id '{text}' is not valid.");
}
