using System.Globalization;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;

namespace IssueCore.Benchmarks.Sqlite;

/// <summary>
/// The SQLite stores against the raw Microsoft.Data.Sqlite statement sequence each operation needs,
/// on the same file with the same settings (WAL, synchronous=NORMAL, busy_timeout) and prepared,
/// reused commands on one open connection for the raw side.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SqliteStoreBenchmarks
{
    private const int Batch = 200;
    private const int Ring = 2048;

    private const string IssueColumns =
        "seq, id, blueprint_id, intent, patch, rationale, bump, title, description, priority, labels, due_at, " +
        "source_type, source_id, triggering_event_id, activity_definition_id, idempotency_key, state, new_version, reason, " +
        "attempts, lease_owner, lease_expires_at, not_before, last_error, created_at, updated_at";

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, SqliteCommand> _raw = new(StringComparer.Ordinal);
    private string _folder = null!;
    private SqliteDatabase _database = null!;
    private SqliteIssueStore _issues = null!;
    private SqliteBlueprintStore _blueprints = null!;
    private SqliteEnhanceLogStore _log = null!;
    private SqliteConnection _connection = null!;
    private Blueprint[] _ring = null!;
    private BlueprintId[] _seriesIds = null!;
    private IssueStatus _applied = null!;
    private long _rawWrites;
    private long _storeWrites;
    private long _rawAppends;
    private long _storeAppends;
    private string _verdictsJson = null!;
    private string _reasonsJson = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _folder = Path.Combine(Path.GetTempPath(), "issuecore-sqlite-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "bench.db");
        _database = new SqliteDatabase(new SqliteStoreOptions { ConnectionString = $"Data Source={file}" });
        await _database.MigrateAsync();
        _issues = new SqliteIssueStore(_database);
        _blueprints = new SqliteBlueprintStore(_database);
        _log = new SqliteEnhanceLogStore(_database);

        _connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await _connection.OpenAsync();
        await Raw("PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;").ExecuteNonQueryAsync();

        for (var i = 0; i < Batch; i++)
        {
            await _issues.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = "bench", Labels = ["a"] });
        }

        _ring = [.. Enumerable.Range(0, Ring).Select(MakeBlueprint)];
        _seriesIds = [.. Enumerable.Range(0, 4096).Select(i => BlueprintId.Parse($"series-{i}"))];
        _applied = IssueStatus.Applied(BlueprintVersion.Parse(new string('a', 64)));
        await _blueprints.WriteNewAsync(BlueprintId.Parse("head"), MakeBlueprint(-1), [], new CommitMetadata("seed"));
        _verdictsJson = "[{\"axis\":\"des\",\"status\":\"pass\",\"detail\":\"ok\"},{\"axis\":\"noop\",\"status\":\"pass\",\"detail\":\"changed\"}]";
        _reasonsJson = "[]";
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var command in _raw.Values)
        {
            await command.DisposeAsync();
        }

        await _connection.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    // ---- claim + complete (per issue; the batch is reset to pending at the end, the same for both) ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("ClaimComplete")]
    public async Task Raw_claim_complete()
    {
        for (var i = 0; i < Batch; i++)
        {
            var now = T0.AddSeconds(i).UtcTicks;
            await Raw("BEGIN IMMEDIATE;").ExecuteNonQueryAsync();
            var claim = Raw(
                "UPDATE issues SET state = 'running', lease_owner = @owner, lease_expires_at = @expires, attempts = attempts + 1, not_before = NULL, updated_at = @now " +
                "WHERE seq = (SELECT seq FROM (" +
                "SELECT seq, priority FROM (SELECT seq, priority FROM issues INDEXED BY ix_issues_pending_claim " +
                "WHERE state = 'pending' AND (not_before IS NULL OR not_before <= @now) ORDER BY priority DESC, seq LIMIT 1) " +
                "UNION ALL " +
                "SELECT seq, priority FROM (SELECT seq, priority FROM issues INDEXED BY ix_issues_running_claim " +
                "WHERE state = 'running' AND lease_expires_at <= @now ORDER BY priority DESC, seq LIMIT 1)" +
                ") ORDER BY priority DESC, seq LIMIT 1) RETURNING " + IssueColumns + ";");
            claim.Parameters.Clear();
            claim.Parameters.AddWithValue("@owner", "w");
            claim.Parameters.AddWithValue("@expires", now + TimeSpan.TicksPerMinute);
            claim.Parameters.AddWithValue("@now", now);
            var id = await ReadRowAsync(claim);
            await Raw("COMMIT;").ExecuteNonQueryAsync();

            await Raw("BEGIN IMMEDIATE;").ExecuteNonQueryAsync();
            var complete = Raw(
                "UPDATE issues SET state = 'applied', new_version = @v, reason = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now " +
                "WHERE id = @id AND lease_owner = @owner AND state = 'running' RETURNING " + IssueColumns + ";");
            complete.Parameters.Clear();
            complete.Parameters.AddWithValue("@v", new string('a', 64));
            complete.Parameters.AddWithValue("@now", now);
            complete.Parameters.AddWithValue("@id", id);
            complete.Parameters.AddWithValue("@owner", "w");
            await ReadRowAsync(complete);
            await Raw("COMMIT;").ExecuteNonQueryAsync();
        }

        await ResetIssuesAsync();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("ClaimComplete")]
    public async Task Store_claim_complete()
    {
        for (var i = 0; i < Batch; i++)
        {
            var issue = await _issues.ClaimNextAsync("w", TimeSpan.FromMinutes(1));
            await _issues.CompleteAsync(issue!.Id, "w", _applied);
        }

        await ResetIssuesAsync();
    }

    // ---- WriteNew: a chain per series, content from a precomputed ring ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("WriteNew")]
    public async Task Raw_write_new()
    {
        var n = _rawWrites++;
        var series = "raw-" + _seriesIds[(int)(n / Ring % _seriesIds.Length)].Value + "-" + (n / Ring / _seriesIds.Length).ToString(CultureInfo.InvariantCulture);
        var blueprint = _ring[(int)(n % Ring)];
        var now = T0.UtcTicks + n;
        await Raw("BEGIN IMMEDIATE;").ExecuteNonQueryAsync();
        var head = Raw("SELECT head_version, head_position FROM blueprint_series WHERE blueprint_id = @id;");
        head.Parameters.Clear();
        head.Parameters.AddWithValue("@id", series);
        string? headVersion = null;
        long position = 0;
        await using (var reader = await head.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync())
            {
                headVersion = reader.GetString(0);
                position = reader.GetInt64(1);
            }
        }

        var exists = Raw("SELECT 1 FROM blueprint_versions WHERE blueprint_id = @id AND version = @version;");
        exists.Parameters.Clear();
        exists.Parameters.AddWithValue("@id", series);
        exists.Parameters.AddWithValue("@version", blueprint.Version.Value);
        await exists.ExecuteScalarAsync();

        var insert = Raw(
            "INSERT INTO blueprint_versions (blueprint_id, version, position, content, parents, rationale, origin, committed_at) " +
            "VALUES (@id, @version, @position, @content, @parents, @rationale, @origin, @now);");
        insert.Parameters.Clear();
        insert.Parameters.AddWithValue("@id", series);
        insert.Parameters.AddWithValue("@version", blueprint.Version.Value);
        insert.Parameters.AddWithValue("@position", position + 1);
        insert.Parameters.AddWithValue("@content", blueprint.CanonicalJson);
        insert.Parameters.AddWithValue("@parents", headVersion is null ? "[]" : "[\"" + headVersion + "\"]");
        insert.Parameters.AddWithValue("@rationale", "bench");
        insert.Parameters.AddWithValue("@origin", "bench");
        insert.Parameters.AddWithValue("@now", now);
        await insert.ExecuteNonQueryAsync();

        var move = headVersion is null
            ? Raw("INSERT INTO blueprint_series (blueprint_id, head_version, head_position, archived, created_at, updated_at) VALUES (@id, @version, 1, 0, @now, @now);")
            : Raw("UPDATE blueprint_series SET head_version = @version, head_position = head_position + 1, updated_at = @now WHERE blueprint_id = @id;");
        move.Parameters.Clear();
        move.Parameters.AddWithValue("@id", series);
        move.Parameters.AddWithValue("@version", blueprint.Version.Value);
        move.Parameters.AddWithValue("@now", now);
        await move.ExecuteNonQueryAsync();
        await Raw("COMMIT;").ExecuteNonQueryAsync();
    }

    [Benchmark]
    [BenchmarkCategory("WriteNew")]
    public async Task<Traced<Blueprint>> Store_write_new()
    {
        var n = _storeWrites++;
        var series = BlueprintId.Parse("store-" + _seriesIds[(int)(n / Ring % _seriesIds.Length)].Value + "-" + (n / Ring / _seriesIds.Length).ToString(CultureInfo.InvariantCulture));
        var index = (int)(n % Ring);
        BlueprintVersion[] parents = index == 0 ? [] : [_ring[index - 1].Version];
        return await _blueprints.WriteNewAsync(series, _ring[index], parents, new CommitMetadata("bench", Origin: "bench"));
    }

    // ---- ReadHead: the raw side also builds the Blueprint (parsing and hashing), as any reader must ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("ReadHead")]
    public async Task<Blueprint> Raw_read_head()
    {
        var read = Raw(
            "SELECT v.version, v.parents, v.origin, v.committed_at, v.content FROM blueprint_series s " +
            "JOIN blueprint_versions v ON v.blueprint_id = s.blueprint_id AND v.version = s.head_version WHERE s.blueprint_id = @id;");
        read.Parameters.Clear();
        read.Parameters.AddWithValue("@id", "head");
        await using var reader = await read.ExecuteReaderAsync();
        await reader.ReadAsync();
        _ = reader.GetString(0);
        _ = reader.GetString(1);
        _ = reader.GetString(2);
        _ = reader.GetInt64(3);
        return Blueprint.Parse(reader.GetString(4));
    }

    [Benchmark]
    [BenchmarkCategory("ReadHead")]
    public async Task<string> Raw_read_head_text_only()
    {
        var read = Raw(
            "SELECT v.version, v.parents, v.origin, v.committed_at, v.content FROM blueprint_series s " +
            "JOIN blueprint_versions v ON v.blueprint_id = s.blueprint_id AND v.version = s.head_version WHERE s.blueprint_id = @id;");
        read.Parameters.Clear();
        read.Parameters.AddWithValue("@id", "head");
        await using var reader = await read.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetString(4);
    }

    [Benchmark]
    [BenchmarkCategory("ReadHead")]
    public Task<Traced<Blueprint>> Store_read_head() => _blueprints.ReadHeadAsync(BlueprintId.Parse("head"));

    // ---- enhance log append ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("LogAppend")]
    public async Task Raw_log_append()
    {
        var n = _rawAppends++;
        await Raw("BEGIN IMMEDIATE;").ExecuteNonQueryAsync();
        var insert = Raw(
            "INSERT INTO enhance_log (issue_id, blueprint_id, previous_version, new_version, intent, rationale, verdicts, outcome, reasons, timestamp) " +
            "VALUES (@issue_id, @blueprint_id, @previous_version, @new_version, @intent, @rationale, @verdicts, @outcome, @reasons, @timestamp);");
        insert.Parameters.Clear();
        insert.Parameters.AddWithValue("@issue_id", "raw-" + n.ToString(CultureInfo.InvariantCulture));
        insert.Parameters.AddWithValue("@blueprint_id", "orders");
        insert.Parameters.AddWithValue("@previous_version", _ring[0].Version.Value);
        insert.Parameters.AddWithValue("@new_version", _ring[1].Version.Value);
        insert.Parameters.AddWithValue("@intent", "bench");
        insert.Parameters.AddWithValue("@rationale", "bench");
        insert.Parameters.AddWithValue("@verdicts", _verdictsJson);
        insert.Parameters.AddWithValue("@outcome", "applied");
        insert.Parameters.AddWithValue("@reasons", _reasonsJson);
        insert.Parameters.AddWithValue("@timestamp", T0.UtcTicks + n);
        await insert.ExecuteNonQueryAsync();
        await Raw("COMMIT;").ExecuteNonQueryAsync();
    }

    [Benchmark]
    [BenchmarkCategory("LogAppend")]
    public Task Store_log_append()
    {
        var n = _storeAppends++;
        return _log.AppendAsync(new EnhanceLogEntry
        {
            IssueId = IssueId.Parse("store-" + n.ToString(CultureInfo.InvariantCulture)),
            BlueprintId = BlueprintId.Parse("orders"),
            PreviousVersion = _ring[0].Version,
            NewVersion = _ring[1].Version,
            Intent = "bench",
            Rationale = "bench",
            Verdicts = [new VerdictSummary("des", VerdictStatus.Pass, "ok"), new VerdictSummary("noop", VerdictStatus.Pass, "changed")],
            Outcome = EnhanceOutcome.Applied,
            Timestamp = T0.AddTicks(n),
        });
    }

    /// <summary>Reads every column of the one returned row, as a caller of the raw statement would, and returns the id.</summary>
    private static async Task<string> ReadRowAsync(SqliteCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            _ = reader.GetValue(i);
        }

        return reader.GetString(1);
    }

    private static Blueprint MakeBlueprint(int n) => Blueprint.FromNode(new JsonObject
    {
        ["id"] = "orders",
        ["flow"] = new JsonObject
        {
            ["seq"] = new JsonArray(
                new JsonObject { ["step"] = new JsonObject { ["ref"] = "patch-spawner", ["out"] = "$.patch" } },
                new JsonObject { ["step"] = new JsonObject { ["ref"] = "patch-applier", ["in"] = "$.patch", ["out"] = "$.next" } },
                new JsonObject { ["step"] = new JsonObject { ["ref"] = "committer", ["in"] = "$.next" } }),
        },
        ["agents"] = new JsonArray(
            new JsonObject { ["name"] = "patch-spawner", ["kind"] = "host" },
            new JsonObject { ["name"] = "patch-applier", ["kind"] = "lua", ["spec"] = new JsonObject { ["fn_id"] = "apply" } },
            new JsonObject { ["name"] = "committer", ["kind"] = "lua", ["spec"] = new JsonObject { ["fn_id"] = "commit" } }),
        ["metadata"] = new JsonObject { ["version_label"] = $"1.0.{n + 1}", ["owner"] = "bench", ["n"] = n },
    });

    private SqliteCommand Raw(string sql)
    {
        if (!_raw.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _raw.Add(sql, command);
        }

        return command;
    }

    private Task<int> ResetIssuesAsync()
        => Raw("UPDATE issues SET state = 'pending', new_version = NULL, attempts = 0, lease_owner = NULL, lease_expires_at = NULL WHERE state <> 'pending';")
            .ExecuteNonQueryAsync();
}
