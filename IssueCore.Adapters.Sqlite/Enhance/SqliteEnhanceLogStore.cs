using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// <see cref="IEnhanceLogStore"/> over SQLite. The issue id and round are a unique key, so a second append
/// is refused by the database (a <see cref="ConflictException"/>) and the first entry is untouched;
/// triggers refuse any update or delete. Lists stream in pages keyed by (timestamp, append order).
/// </summary>
public sealed class SqliteEnhanceLogStore : IEnhanceLogStore
{
    private const string Columns =
        "seq, issue_id, blueprint_id, previous_version, new_version, intent, rationale, verdicts, outcome, reasons, timestamp, round" +
        ", run_id, approver, approval_note";

    private const string InsertSql =
        "INSERT INTO enhance_log (issue_id, blueprint_id, previous_version, new_version, intent, rationale, verdicts, outcome, reasons, timestamp, round" +
        ", run_id, approver, approval_note) " +
        "VALUES (@issue_id, @blueprint_id, @previous_version, @new_version, @intent, @rationale, @verdicts, @outcome, @reasons, @timestamp, @round" +
        ", @run_id, @approver, @approval_note);";

    private const string FindSql = "SELECT " + Columns + " FROM enhance_log WHERE issue_id = @issue_id ORDER BY round DESC LIMIT 1;";

    internal const string PageAllSql =
        "SELECT " + Columns + " FROM enhance_log WHERE timestamp > @ts OR (timestamp = @ts AND seq > @seq) " +
        "ORDER BY timestamp, seq LIMIT @limit;";

    internal const string PageByBlueprintSql =
        "SELECT " + Columns + " FROM enhance_log WHERE blueprint_id = @blueprint_id AND (timestamp > @ts OR (timestamp = @ts AND seq > @seq)) " +
        "ORDER BY timestamp, seq LIMIT @limit;";

    private const string PositionSql = "SELECT timestamp, seq FROM enhance_log WHERE issue_id = @issue_id AND round = @round;";

    private const int PageSize = 256;

    private readonly SqliteDatabase _database;

    /// <summary>Creates the store over a shared database.</summary>
    /// <param name="database">The database file (shared with the other SQLite stores).</param>
    public SqliteEnhanceLogStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <inheritdoc />
    public Task AppendAsync(EnhanceLogEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(entry.Intent);
        ArgumentNullException.ThrowIfNull(entry.Rationale);
        var verdicts = WriteVerdicts(entry.Verdicts ?? []);
        var reasons = SqliteJson.WriteStrings(entry.Reasons ?? []);
        return _database.WriteAsync(
            "Appending an enhance log entry",
            (session, ct) => AppendInAsync(session, entry, verdicts, reasons, ct),
            cancellationToken);
    }

    /// <summary>The database this store writes.</summary>
    internal SqliteDatabase Database => _database;

    /// <summary>The append of <see cref="AppendAsync"/> inside a caller's write transaction.</summary>
    internal static Task<int> AppendInAsync(SqliteSession session, EnhanceLogEntry entry, CancellationToken ct)
        => AppendInAsync(session, entry, WriteVerdicts(entry.Verdicts ?? []), SqliteJson.WriteStrings(entry.Reasons ?? []), ct);

    /// <summary>The append of <see cref="AppendAsync"/> inside a caller's write transaction.</summary>
    internal static async Task<int> AppendInAsync(SqliteSession session, EnhanceLogEntry entry, string verdicts, string reasons, CancellationToken ct)
    {
            var insert = session.Command(InsertSql)
                .With("@issue_id", entry.IssueId.Value)
                .With("@blueprint_id", entry.BlueprintId.Value)
                .With("@previous_version", entry.PreviousVersion?.Value)
                .With("@new_version", entry.NewVersion?.Value)
                .With("@intent", entry.Intent)
                .With("@rationale", entry.Rationale)
                .With("@verdicts", verdicts)
                .With("@outcome", entry.Outcome switch { EnhanceOutcome.Applied => "applied", EnhanceOutcome.Failed => "failed", _ => "rejected" })
                .With("@reasons", reasons)
                .With("@timestamp", SqliteTime.ToTicks(entry.Timestamp))
                .With("@round", entry.Round)
                .With("@run_id", entry.RunId?.Value)
                .With("@approver", entry.Approver)
                .With("@approval_note", entry.ApprovalNote);
            try
            {
                return await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (SqliteErrors.IsUniqueViolation(ex))
            {
                throw new ConflictException(
                    $"The enhance log already holds an entry for issue '{entry.IssueId}' in round {entry.Round}; it was left untouched.",
                    expected: null,
                    actual: entry.IssueId.Value,
                    innerException: ex);
            }
    }

    /// <inheritdoc />
    public Task<EnhanceLogEntry?> FindAsync(IssueId issueId, CancellationToken cancellationToken = default)
        => _database.ReadAsync<EnhanceLogEntry?>(
            "Reading an enhance log entry",
            async (session, ct) =>
            {
                var reader = await session.Command(FindSql).With("@issue_id", issueId.Value).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await reader.ReadAsync(ct).ConfigureAwait(false) ? Map(reader) : null;
                }
            },
            cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<EnhanceLogEntry> ListByBlueprintAsync(BlueprintId blueprintId, CancellationToken cancellationToken = default)
        => StreamAsync(blueprintId.Value, null, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<EnhanceLogEntry> ListAllAsync(CancellationToken cancellationToken = default)
        => StreamAsync(null, null, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<EnhanceLogEntry> ListAfterAsync(BlueprintId? blueprintId, EnhanceLogKey? after, CancellationToken cancellationToken = default)
        => StreamAsync(blueprintId?.Value, after, cancellationToken);

    private async IAsyncEnumerable<EnhanceLogEntry> StreamAsync(string? blueprintId, EnhanceLogKey? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Each page is read on its own and the connection is returned before the caller sees it,
        // so a slow consumer never holds a read snapshot open.
        var afterTimestamp = long.MinValue;
        var afterSeq = long.MinValue;
        if (after is { } key)
        {
            // The key's (timestamp, seq) position comes from the unique (issue_id, round) index; the pages then start
            // there on the (timestamp, seq) indexes, so a page's cost does not depend on how far into the log it is.
            (afterTimestamp, afterSeq) = await _database.ReadAsync(
                "Finding an enhance log position",
                async (session, ct) =>
                {
                    var reader = await session.Command(PositionSql).With("@issue_id", key.IssueId.Value).With("@round", key.Round)
                        .ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        return await reader.ReadAsync(ct).ConfigureAwait(false)
                            ? (reader.GetInt64(0), reader.GetInt64(1))
                            : throw new NotFoundException("enhance log entry", key.IssueId.Value);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            var page = await _database.ReadAsync(
                "Listing the enhance log",
                async (session, ct) =>
                {
                    var command = blueprintId is null
                        ? session.Command(PageAllSql)
                        : session.Command(PageByBlueprintSql).With("@blueprint_id", blueprintId);
                    command.With("@ts", afterTimestamp).With("@seq", afterSeq).With("@limit", PageSize);
                    var rows = new List<(long Seq, long Timestamp, EnhanceLogEntry Entry)>(PageSize);
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            rows.Add((reader.GetInt64(0), reader.GetInt64(10), Map(reader)));
                        }
                    }

                    return rows;
                },
                cancellationToken).ConfigureAwait(false);

            foreach (var row in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return row.Entry;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            (afterSeq, afterTimestamp) = (page[^1].Seq, page[^1].Timestamp);
        }
    }

    internal static string WriteVerdicts(IReadOnlyList<VerdictSummary> verdicts)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var v in verdicts)
            {
                writer.WriteStartObject();
                writer.WriteString("axis", v.Axis);
                writer.WriteString("status", v.Status == VerdictStatus.Pass ? "pass" : "deny");
                writer.WriteString("detail", v.Detail);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static VerdictSummary[] ReadVerdicts(string json)
    {
        using var doc = JsonDocument.Parse(json, IssueCore.Json.RecordJson.DocumentOptions);
        var result = new VerdictSummary[doc.RootElement.GetArrayLength()];
        var i = 0;
        foreach (var v in doc.RootElement.EnumerateArray())
        {
            result[i++] = new VerdictSummary(
                v.GetProperty("axis").GetString() ?? string.Empty,
                v.GetProperty("status").GetString() == "pass" ? VerdictStatus.Pass : VerdictStatus.Deny,
                v.GetProperty("detail").GetString() ?? string.Empty);
        }

        return result;
    }

    private static EnhanceLogEntry Map(SqliteDataReader r)
    {
        var issueId = r.GetString(1);
        try
        {
            return new EnhanceLogEntry
            {
                IssueId = IssueId.Parse(issueId),
                BlueprintId = BlueprintId.Parse(r.GetString(2)),
                PreviousVersion = r.GetStringOrNull(3) is { } previous ? BlueprintVersion.Parse(previous) : null,
                NewVersion = r.GetStringOrNull(4) is { } next ? BlueprintVersion.Parse(next) : null,
                Intent = r.GetString(5),
                Rationale = r.GetString(6),
                Verdicts = ReadVerdicts(r.GetString(7)),
                Outcome = r.GetString(8) switch { "applied" => EnhanceOutcome.Applied, "failed" => EnhanceOutcome.Failed, _ => EnhanceOutcome.Rejected },
                Reasons = SqliteJson.ReadStrings(r.GetString(9)),
                Timestamp = r.GetTime(10),
                Round = r.GetInt32(11),
                RunId = r.GetStringOrNull(12) is { } runId ? CouncilRunId.Parse(runId) : null,
                Approver = r.GetStringOrNull(13),
                ApprovalNote = r.GetStringOrNull(14),
            };
        }
        catch (Exception ex) when (ex is ValidationException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new StorageException($"The stored enhance log entry for issue '{issueId}' is not readable: {ex.Message}", ex);
        }
    }
}
