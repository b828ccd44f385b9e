using IssueCore.Adapters.Postgres.Storage;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Issues;
using Npgsql;
using NpgsqlTypes;

namespace IssueCore.Adapters.Postgres;

/// <summary>The approval gate: a waiting issue's proposal in <c>issue_approvals</c>, one row per issue and round.</summary>
public sealed partial class PostgresIssueStore
{
    private const string ApprovalColumns =
        "issue_id, round, run_id, previous_version, proposed, patch_hash, rationale, verdicts, epoch_started_at, requested_at, expires_at, "
        + "verdict, decided_by, note, decided_at";

    private const short AwaitingApprovalState = (short)IssueState.AwaitingApproval;

    private string IssuesTable => PostgresSchema.Quote(_db.Schema) + ".issues";

    private string ApprovalsTable => PostgresSchema.Quote(_db.Schema) + ".issue_approvals";

    private string LeaseClock => _db.LeaseClock == PostgresLeaseClock.Database ? "clock_timestamp()" : "@now";

    /// <inheritdoc />
    public async Task<Issue> AwaitApprovalUnderLeaseAsync(IssueLease lease, IssueApproval approval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(approval);
        if (approval.IssueId != lease.IssueId)
        {
            throw new ArgumentException($"The approval belongs to issue '{approval.IssueId}', not '{lease.IssueId}'.", nameof(approval));
        }

        if (approval.IsDecided)
        {
            throw new ArgumentException("An approval to wait for must not be decided yet.", nameof(approval));
        }

        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            Issue? parked;
            await using (var park = new NpgsqlCommand(
                $"UPDATE {IssuesTable} SET state = {AwaitingApprovalState}, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now "
                + $"WHERE id = @id AND state = 1 AND lease_owner = @owner AND attempts = @token RETURNING {Columns}",
                connection,
                tx))
            {
                Leased(park, lease);
                park.AddTime("now", _db.TimeProvider.GetUtcNow());
                parked = await ReadOneAsync(park, cancellationToken).ConfigureAwait(false);
            }

            if (parked is null)
            {
                await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                throw await LeaseLostAsync(lease, cancellationToken).ConfigureAwait(false);
            }

            await using (var insert = new NpgsqlCommand(
                $"INSERT INTO {ApprovalsTable} ({ApprovalColumns}) VALUES (@id, @round, @run_id, @previous_version, @proposed, @patch_hash, @rationale, "
                + "@verdicts, @epoch_started_at, @requested_at, @expires_at, NULL, NULL, NULL, NULL)",
                connection,
                tx))
            {
                insert.AddText("id", lease.IssueId.Value);
                insert.Add("round", NpgsqlDbType.Integer, parked.Round);
                insert.AddText("run_id", approval.RunId?.Value);
                insert.AddText("previous_version", approval.PreviousVersion.Value);
                insert.AddText("proposed", approval.Proposed.CanonicalJson);
                insert.AddText("patch_hash", approval.PatchHash);
                insert.AddText("rationale", approval.Rationale);
                insert.AddText("verdicts", PostgresEnhanceLogStore.SerializeVerdicts(approval.Verdicts ?? []));
                insert.AddTime("epoch_started_at", approval.EpochStartedAt);
                insert.AddTime("requested_at", approval.RequestedAt);
                insert.AddTime("expires_at", approval.ExpiresAt);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return parked;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"park issue '{lease.IssueId}' for approval");
        }
    }

    /// <inheritdoc />
    public async Task<IssueApproval?> FindApprovalAsync(IssueId id, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await ReadApprovalAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read the approval of issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<IssueApprovalResult> DecideApprovalAsync(IssueId id, IssueApprovalDecision decision, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentException.ThrowIfNullOrEmpty(decision.DecidedBy);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);

            // The state check makes the decision a compare-and-swap: a concurrent decision waits for the row lock, then
            // finds the issue running and changes nothing.
            Issue? claimed;
            await using (var claim = new NpgsqlCommand(
                $"UPDATE {IssuesTable} AS i SET state = 1, lease_owner = @owner, lease_expires_at = {LeaseClock} + @lease, attempts = i.attempts + 1, "
                + $"not_before = NULL, updated_at = @now WHERE i.id = @id AND i.state = {AwaitingApprovalState} RETURNING {Columns}",
                connection,
                tx))
            {
                claim.AddText("id", id.Value);
                claim.AddText("owner", owner);
                claim.Add("lease", NpgsqlDbType.Interval, leaseDuration);
                claim.AddTime("now", _db.TimeProvider.GetUtcNow());
                claimed = await ReadOneAsync(claim, cancellationToken).ConfigureAwait(false);
            }

            if (claimed is null)
            {
                await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                var current = await FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("issue", id.Value);
                return new IssueApprovalResult(current, await ReadApprovalAsync(connection, null, id, cancellationToken).ConfigureAwait(false), Decided: false);
            }

            await using (var record = new NpgsqlCommand(
                $"UPDATE {ApprovalsTable} SET verdict = @verdict, decided_by = @decided_by, note = @note, decided_at = @decided_at "
                + "WHERE issue_id = @id AND round = @round AND verdict IS NULL",
                connection,
                tx))
            {
                record.AddText("id", id.Value);
                record.Add("round", NpgsqlDbType.Integer, claimed.Round);
                record.Add("verdict", NpgsqlDbType.Smallint, (short)decision.Verdict);
                record.AddText("decided_by", decision.DecidedBy);
                record.AddText("note", decision.Note);
                record.AddTime("decided_at", decision.DecidedAt);
                if (await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    throw new StorageException($"Issue '{id}' is awaiting approval but has no undecided approval in round {claimed.Round}.");
                }
            }

            var approval = await ReadApprovalAsync(connection, tx, id, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new IssueApprovalResult(claimed, approval, Decided: true);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"decide the approval of issue '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IssueApproval>> ListExpiredApprovalsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(
                $"SELECT {ApprovalColumns} FROM {ApprovalsTable} WHERE verdict IS NULL AND expires_at <= @now ORDER BY expires_at, issue_id LIMIT @limit");
            command.AddTime("now", now);
            command.Add("limit", NpgsqlDbType.Integer, limit);
            var list = new List<IssueApproval>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(MapApproval(reader));
            }

            return list;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "list expired approvals");
        }
    }

    private async Task<IssueApproval?> ReadApprovalAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, IssueId id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {Sql.Prefixed(ApprovalColumns, "a")} FROM {ApprovalsTable} AS a JOIN {IssuesTable} AS i ON i.id = a.issue_id AND i.round = a.round WHERE a.issue_id = @id",
            connection,
            tx);
        command.AddText("id", id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? MapApproval(reader) : null;
    }

    private static IssueApproval MapApproval(NpgsqlDataReader r)
    {
        var id = r.GetString(0);
        try
        {
            return new IssueApproval
            {
                IssueId = IssueId.Parse(id),
                Round = r.GetInt32(1),
                RunId = r.NullableString(2) is { } runId ? CouncilRunId.Parse(runId) : null,
                PreviousVersion = BlueprintVersion.Parse(r.GetString(3)),
                Proposed = Blueprint.Parse(r.GetString(4)),
                PatchHash = r.NullableString(5),
                Rationale = r.GetString(6),
                Verdicts = PostgresEnhanceLogStore.ReadVerdicts(r.GetString(7), $"the approval of issue '{id}'"),
                EpochStartedAt = r.Time(8),
                RequestedAt = r.Time(9),
                ExpiresAt = r.Time(10),
                Verdict = r.IsDBNull(11) ? null : (ApprovalVerdict)r.GetInt16(11),
                DecidedBy = r.NullableString(12),
                Note = r.NullableString(13),
                DecidedAt = r.NullableTime(14),
            };
        }
        catch (Exception ex) when (ex is ValidationException or ArgumentException or System.Text.Json.JsonException or FormatException)
        {
            throw new StorageException($"The stored approval of issue '{id}' is not readable: {ex.Message}", ex);
        }
    }
}
