using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Adapters.Postgres.Storage;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Json;
using Npgsql;
using NpgsqlTypes;

namespace IssueCore.Adapters.Postgres;

/// <summary>
/// The append-only enhance log on PostgreSQL. A unique constraint on the issue id makes a second
/// append a <see cref="ConflictException"/>; lists stream in keyed pages ordered by timestamp, then
/// append order.
/// </summary>
public sealed class PostgresEnhanceLogStore : IEnhanceLogStore
{
    private const string Columns = "issue_id, blueprint_id, previous_version, new_version, intent, rationale, verdicts, outcome, reasons, logged_at, seq, round"
        + ", run_id, approver, approval_note";
    private const int PageSize = 500;

    private readonly PostgresDatabase _db;
    private readonly string _append;
    private readonly string _find;
    private readonly string _listAll;
    private readonly string _listByBlueprint;
    private readonly string _position;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The shared data source, schema and clock.</param>
    public PostgresEnhanceLogStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        var t = PostgresSchema.Quote(database.Schema) + ".enhance_log";
        _append =
            $"INSERT INTO {t} (issue_id, blueprint_id, previous_version, new_version, intent, rationale, verdicts, outcome, reasons, logged_at, round"
            + ", run_id, approver, approval_note) "
            + "VALUES (@issue_id, @blueprint_id, @previous_version, @new_version, @intent, @rationale, @verdicts, @outcome, @reasons, @logged_at, @round"
            + ", @run_id, @approver, @approval_note)";
        _find = $"SELECT {Columns} FROM {t} WHERE issue_id = @issue_id ORDER BY round DESC LIMIT 1";
        _listAll = $"SELECT {Columns} FROM {t} WHERE (logged_at, seq) > (@after_at, @after_seq) ORDER BY logged_at, seq LIMIT {PageSize}";
        _listByBlueprint = $"SELECT {Columns} FROM {t} WHERE blueprint_id = @blueprint_id AND (logged_at, seq) > (@after_at, @after_seq) ORDER BY logged_at, seq LIMIT {PageSize}";
        _position = $"SELECT logged_at, seq FROM {t} WHERE issue_id = @issue_id AND round = @round";
    }

    /// <inheritdoc />
    public async Task AppendAsync(EnhanceLogEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var verdicts = SerializeVerdicts(entry.Verdicts);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_append);
            Bind(command, entry, verdicts);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException(
                $"The enhance log already holds an entry for issue '{entry.IssueId}' in round {entry.Round}; entries are never changed.",
                expected: null,
                actual: entry.IssueId.Value,
                innerException: ex);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"append the enhance log entry of issue '{entry.IssueId}'");
        }
    }

    /// <summary>The database this store writes.</summary>
    internal PostgresDatabase Database => _db;

    /// <summary>
    /// The append of <see cref="AppendAsync"/> inside a caller's transaction; a second entry for the issue is a
    /// <see cref="ConflictException"/> (the caller rolls back).
    /// </summary>
    internal async Task AppendInAsync(NpgsqlConnection connection, NpgsqlTransaction tx, EnhanceLogEntry entry, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_append, connection, tx);
        Bind(command, entry, SerializeVerdicts(entry.Verdicts));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException(
                $"The enhance log already holds an entry for issue '{entry.IssueId}' in round {entry.Round}; entries are never changed.",
                expected: null,
                actual: entry.IssueId.Value,
                innerException: ex);
        }
    }

    private static void Bind(NpgsqlCommand command, EnhanceLogEntry entry, string verdicts)
    {
        command.AddText("issue_id", entry.IssueId.Value);
        command.AddText("blueprint_id", entry.BlueprintId.Value);
        command.AddText("previous_version", entry.PreviousVersion?.Value);
        command.AddText("new_version", entry.NewVersion?.Value);
        command.AddText("intent", entry.Intent);
        command.AddText("rationale", entry.Rationale);
        command.AddText("verdicts", verdicts);
        command.Add("outcome", NpgsqlDbType.Smallint, (short)entry.Outcome);
        command.Add("reasons", NpgsqlDbType.Array | NpgsqlDbType.Text, entry.Reasons.ToArray());
        command.AddTime("logged_at", entry.Timestamp);
        command.Add("round", NpgsqlDbType.Integer, entry.Round);
        command.AddText("run_id", entry.RunId?.Value);
        command.AddText("approver", entry.Approver);
        command.AddText("approval_note", entry.ApprovalNote);
    }

    /// <inheritdoc />
    public async Task<EnhanceLogEntry?> FindAsync(IssueId issueId, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_find);
            command.AddText("issue_id", issueId.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Map(reader) : null;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read the enhance log entry of issue '{issueId}'");
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<EnhanceLogEntry> ListByBlueprintAsync(BlueprintId blueprintId, CancellationToken cancellationToken = default)
        => StreamAsync(blueprintId, null, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<EnhanceLogEntry> ListAllAsync(CancellationToken cancellationToken = default)
        => StreamAsync(null, null, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<EnhanceLogEntry> ListAfterAsync(BlueprintId? blueprintId, EnhanceLogKey? after, CancellationToken cancellationToken = default)
        => StreamAsync(blueprintId, after, cancellationToken);

    private async IAsyncEnumerable<EnhanceLogEntry> StreamAsync(BlueprintId? blueprintId, EnhanceLogKey? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (afterAt, afterSeq) = after is { } key
            ? await PositionAsync(key, cancellationToken).ConfigureAwait(false)
            : (DateTimeOffset.MinValue, 0L);
        while (true)
        {
            var page = await PageAsync(blueprintId, afterAt, afterSeq, cancellationToken).ConfigureAwait(false);
            foreach (var (entry, _, _) in page)
            {
                yield return entry;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            (_, afterAt, afterSeq) = page[^1];
        }
    }

    /// <summary>
    /// The (logged_at, seq) position of one entry, by the unique (issue_id, round) key; the pages then start there on
    /// the (logged_at, seq) indexes, so a page's cost does not depend on how far into the log it is.
    /// </summary>
    private async Task<(DateTimeOffset At, long Seq)> PositionAsync(EnhanceLogKey key, CancellationToken cancellationToken)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_position);
            command.AddText("issue_id", key.IssueId.Value);
            command.Add("round", NpgsqlDbType.Integer, key.Round);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? (reader.Time(0), reader.GetInt64(1))
                : throw new NotFoundException("enhance log entry", key.IssueId.Value);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"find the enhance log entry of issue '{key.IssueId}'");
        }
    }

    private async Task<List<(EnhanceLogEntry Entry, DateTimeOffset At, long Seq)>> PageAsync(BlueprintId? blueprintId, DateTimeOffset afterAt, long afterSeq, CancellationToken cancellationToken)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(blueprintId is null ? _listAll : _listByBlueprint);
            if (blueprintId is { } id)
            {
                command.AddText("blueprint_id", id.Value);
            }

            // DateTimeOffset.MinValue is written as -infinity, before every entry.
            command.AddTime("after_at", afterAt);
            command.Add("after_seq", NpgsqlDbType.Bigint, afterSeq);
            var page = new List<(EnhanceLogEntry, DateTimeOffset, long)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var entry = Map(reader);
                page.Add((entry, entry.Timestamp, reader.GetInt64(10)));
            }

            return page;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "list the enhance log");
        }
    }

    internal static string SerializeVerdicts(IReadOnlyList<VerdictSummary> verdicts)
    {
        var array = new JsonArray();
        foreach (var v in verdicts)
        {
            array.Add(new JsonObject
            {
                ["axis"] = v.Axis,
                ["status"] = v.Status == VerdictStatus.Pass ? "pass" : "deny",
                ["detail"] = v.Detail,
            });
        }

        return CanonicalJson.Serialize(array);
    }

    /// <summary>Reads verdicts written by <see cref="SerializeVerdicts"/>.</summary>
    internal static VerdictSummary[] ReadVerdicts(string text, string what)
    {
        VerdictSummary[] verdicts;
        try
        {
            verdicts = Sql.ReadCanonical(text, $"verdicts of {what}")
                .EnumerateArray()
                .Select(v => new VerdictSummary(
                    v.GetProperty("axis").GetString()!,
                    v.GetProperty("status").GetString() switch
                    {
                        "pass" => VerdictStatus.Pass,
                        "deny" => VerdictStatus.Deny,
                        var other => throw new StorageException($"Unknown verdict status '{other}'."),
                    },
                    v.GetProperty("detail").GetString()!))
                .ToArray();
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            throw new StorageException($"The stored verdicts of {what} could not be read.", ex);
        }

        return verdicts;
    }

    private static EnhanceLogEntry Map(NpgsqlDataReader r)
    {
        var issueId = r.GetString(0);
        var verdicts = ReadVerdicts(r.GetString(6), $"the enhance log entry of issue '{issueId}'");

        return new EnhanceLogEntry
        {
            IssueId = IssueId.Parse(issueId),
            BlueprintId = BlueprintId.Parse(r.GetString(1)),
            PreviousVersion = r.NullableString(2) is { } previous ? BlueprintVersion.Parse(previous) : null,
            NewVersion = r.NullableString(3) is { } next ? BlueprintVersion.Parse(next) : null,
            Intent = r.GetString(4),
            Rationale = r.GetString(5),
            Verdicts = verdicts,
            Outcome = (EnhanceOutcome)r.GetInt16(7),
            Reasons = r.GetFieldValue<string[]>(8),
            Timestamp = r.Time(9),
            Round = r.GetInt32(11),
            RunId = r.NullableString(12) is { } runId ? CouncilRunId.Parse(runId) : null,
            Approver = r.NullableString(13),
            ApprovalNote = r.NullableString(14),
        };
    }
}
