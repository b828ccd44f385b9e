using System.Globalization;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>The approval gate: a waiting issue's proposal in <c>issue_approvals</c>, one row per issue and round.</summary>
public sealed partial class SqliteIssueStore
{
    private const string ApprovalColumns =
        "issue_id, round, run_id, previous_version, proposed, patch_hash, rationale, verdicts, epoch_started_at, requested_at, expires_at, " +
        "verdict, decided_by, note, decided_at";

    private const string LeasedAwaitSql =
        "UPDATE issues SET state = 'awaiting_approval', lease_owner = NULL, lease_expires_at = NULL, updated_at = @now " +
        "WHERE id = @id AND lease_owner = @owner AND attempts = @token AND state = 'running' RETURNING " + Columns + ";";

    private const string InsertApprovalSql =
        "INSERT INTO issue_approvals (" + ApprovalColumns + ") VALUES (@id, @round, @run_id, @previous_version, @proposed, @patch_hash, @rationale, " +
        "@verdicts, @epoch_started_at, @requested_at, @expires_at, NULL, NULL, NULL, NULL);";

    private const string FindApprovalSql =
        "SELECT a.issue_id, a.round, a.run_id, a.previous_version, a.proposed, a.patch_hash, a.rationale, a.verdicts, a.epoch_started_at, " +
        "a.requested_at, a.expires_at, a.verdict, a.decided_by, a.note, a.decided_at " +
        "FROM issue_approvals AS a JOIN issues AS i ON i.id = a.issue_id AND i.round = a.round WHERE a.issue_id = @id;";

    // The state check makes the decision a compare-and-swap: of two decisions on one waiting issue, one records.
    private const string DecideIssueSql =
        "UPDATE issues SET state = 'running', lease_owner = @owner, lease_expires_at = @expires, attempts = attempts + 1, not_before = NULL, updated_at = @now " +
        "WHERE id = @id AND state = 'awaiting_approval' RETURNING " + Columns + ";";

    private const string DecideApprovalSql =
        "UPDATE issue_approvals SET verdict = @verdict, decided_by = @decided_by, note = @note, decided_at = @decided_at " +
        "WHERE issue_id = @id AND round = @round AND verdict IS NULL;";

    private const string ExpiredApprovalsSql =
        "SELECT " + ApprovalColumns + " FROM issue_approvals INDEXED BY ix_issue_approvals_waiting " +
        "WHERE verdict IS NULL AND expires_at <= @now ORDER BY expires_at, issue_id LIMIT @limit;";

    /// <inheritdoc />
    public Task<Issue> AwaitApprovalUnderLeaseAsync(IssueLease lease, IssueApproval approval, CancellationToken cancellationToken = default)
    {
        RequireWaitingApproval(lease.IssueId, approval);
        var verdicts = SqliteEnhanceLogStore.WriteVerdicts(approval.Verdicts ?? []);
        return _database.WriteAsync(
            "Parking an issue for approval",
            async (session, ct) =>
            {
                var park = Leased(session.Command(LeasedAwaitSql), lease).With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()));
                var parked = await ReadOneAsync(park, ct).ConfigureAwait(false)
                             ?? throw await LeaseLostAsync(session, lease, ct).ConfigureAwait(false);
                await session.Command(InsertApprovalSql)
                    .With("@id", lease.IssueId.Value)
                    .With("@round", parked.Round)
                    .With("@run_id", approval.RunId?.Value)
                    .With("@previous_version", approval.PreviousVersion.Value)
                    .With("@proposed", approval.Proposed.CanonicalJson)
                    .With("@patch_hash", approval.PatchHash)
                    .With("@rationale", approval.Rationale)
                    .With("@verdicts", verdicts)
                    .With("@epoch_started_at", SqliteTime.ToTicks(approval.EpochStartedAt))
                    .With("@requested_at", SqliteTime.ToTicks(approval.RequestedAt))
                    .With("@expires_at", SqliteTime.ToTicks(approval.ExpiresAt))
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return parked;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IssueApproval?> FindApprovalAsync(IssueId id, CancellationToken cancellationToken = default)
        => _database.ReadAsync(
            "Reading an issue's approval",
            (session, ct) => ReadApprovalAsync(session.Command(FindApprovalSql).With("@id", id.Value), ct),
            cancellationToken);

    /// <inheritdoc />
    public Task<IssueApprovalResult> DecideApprovalAsync(IssueId id, IssueApprovalDecision decision, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentException.ThrowIfNullOrEmpty(decision.DecidedBy);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        return _database.WriteAsync(
            "Deciding an issue's approval",
            async (session, ct) =>
            {
                var now = _database.TimeProvider.GetUtcNow();
                var claim = session.Command(DecideIssueSql)
                    .With("@id", id.Value)
                    .With("@owner", owner)
                    .With("@expires", SqliteTime.AddSaturating(now, leaseDuration))
                    .With("@now", SqliteTime.ToTicks(now));
                var claimed = await ReadOneAsync(claim, ct).ConfigureAwait(false);
                if (claimed is null)
                {
                    var current = await ReadOneAsync(session.Command(FindSql).With("@id", id.Value), ct).ConfigureAwait(false)
                                  ?? throw new NotFoundException("issue", id.Value);
                    return new IssueApprovalResult(current, await ReadApprovalAsync(session.Command(FindApprovalSql).With("@id", id.Value), ct).ConfigureAwait(false), Decided: false);
                }

                var recorded = await session.Command(DecideApprovalSql)
                    .With("@id", id.Value)
                    .With("@round", claimed.Round)
                    .With("@verdict", VerdictText(decision.Verdict))
                    .With("@decided_by", decision.DecidedBy)
                    .With("@note", decision.Note)
                    .With("@decided_at", SqliteTime.ToTicks(decision.DecidedAt))
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                if (recorded != 1)
                {
                    // A waiting issue without a waiting approval row: the transaction rolls back, nothing changes.
                    throw new StorageException($"Issue '{id}' is awaiting approval but has no undecided approval in round {claimed.Round}.");
                }

                var approval = await ReadApprovalAsync(session.Command(FindApprovalSql).With("@id", id.Value), ct).ConfigureAwait(false);
                return new IssueApprovalResult(claimed, approval, Decided: true);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IssueApproval>> ListExpiredApprovalsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        return _database.ReadAsync<IReadOnlyList<IssueApproval>>(
            "Reading expired approvals",
            async (session, ct) =>
            {
                var list = new List<IssueApproval>();
                var reader = await session.Command(ExpiredApprovalsSql).With("@now", SqliteTime.ToTicks(now)).With("@limit", limit).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        list.Add(MapApproval(reader));
                    }
                }

                return list;
            },
            cancellationToken);
    }

    private static void RequireWaitingApproval(IssueId issueId, IssueApproval approval)
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

    private static async Task<IssueApproval?> ReadApprovalAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? MapApproval(reader) : null;
        }
    }

    private static string VerdictText(ApprovalVerdict verdict) => verdict switch
    {
        ApprovalVerdict.Approved => "approved",
        ApprovalVerdict.Rejected => "rejected",
        ApprovalVerdict.Expired => "expired",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "Unknown approval verdict."),
    };

    private static IssueApproval MapApproval(SqliteDataReader r)
    {
        var id = r.GetString(0);
        try
        {
            return new IssueApproval
            {
                IssueId = IssueId.Parse(id),
                Round = r.GetInt32(1),
                RunId = r.GetStringOrNull(2) is { } runId ? CouncilRunId.Parse(runId) : null,
                PreviousVersion = BlueprintVersion.Parse(r.GetString(3)),
                Proposed = Blueprint.Parse(r.GetString(4)),
                PatchHash = r.GetStringOrNull(5),
                Rationale = r.GetString(6),
                Verdicts = SqliteEnhanceLogStore.ReadVerdicts(r.GetString(7)),
                EpochStartedAt = r.GetTime(8),
                RequestedAt = r.GetTime(9),
                ExpiresAt = r.GetTime(10),
                Verdict = r.GetStringOrNull(11) switch
                {
                    null => null,
                    "approved" => ApprovalVerdict.Approved,
                    "rejected" => ApprovalVerdict.Rejected,
                    "expired" => ApprovalVerdict.Expired,
                    var other => throw new FormatException($"Unknown approval verdict '{other}'."),
                },
                DecidedBy = r.GetStringOrNull(12),
                Note = r.GetStringOrNull(13),
                DecidedAt = r.GetTimeOrNull(14),
            };
        }
        catch (Exception ex) when (ex is ValidationException or ArgumentException or System.Text.Json.JsonException or FormatException or KeyNotFoundException)
        {
            throw new StorageException(string.Create(CultureInfo.InvariantCulture, $"The stored approval of issue '{id}' is not readable: {ex.Message}"), ex);
        }
    }
}
