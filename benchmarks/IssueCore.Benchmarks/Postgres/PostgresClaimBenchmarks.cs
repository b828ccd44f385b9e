using BenchmarkDotNet.Attributes;
using IssueCore.Adapters.Postgres;
using IssueCore.Issues;
using Npgsql;

namespace IssueCore.Benchmarks.Postgres;

/// <summary>
/// Claim + complete throughput of <see cref="PostgresIssueStore"/> against the same work done with
/// the raw statements (the SKIP LOCKED claim, then the completing UPDATE) on the same server, schema
/// and pool settings. Each invocation drains <see cref="IssuesPerInvocation"/> pending issues with
/// <see cref="Workers"/> concurrent workers; times are reported per issue.
/// Needs ISSUECORE_POSTGRES (start a server with <c>source .ci/postgres.sh start</c>).
/// </summary>
[MemoryDiagnoser]
public class PostgresClaimBenchmarks
{
    public const int IssuesPerInvocation = 1000;
    public const int FinishedIssues = 50_000;

    private readonly string _schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
    private NpgsqlDataSource _dataSource = null!;
    private PostgresIssueStore _store = null!;
    private string _rawClaim = null!;
    private string _rawComplete = null!;

    [Params(1, 4)]
    public int Workers { get; set; }

    [GlobalSetup]
    public async Task GlobalSetup()
    {
        var cs = Environment.GetEnvironmentVariable("ISSUECORE_POSTGRES")
                 ?? throw new InvalidOperationException("Set ISSUECORE_POSTGRES (source .ci/postgres.sh start).");
        _dataSource = NpgsqlDataSource.Create(cs);
        var db = new PostgresDatabase(_dataSource, new PostgresStoreOptions { Schema = _schema });
        await db.MigrateAsync();
        _store = new PostgresIssueStore(db);
        Execute(
            $"INSERT INTO \"{_schema}\".issues (id, blueprint_id, intent, bump, title, priority, labels, state, new_version, attempts, created_at, updated_at) "
            + $"SELECT 'done-' || g, 'orders', 'change ' || g, 0, '', g % 3, '{{}}', 2, repeat('a', 64), 1, now(), now() FROM generate_series(1, {FinishedIssues}) g");
        var t = $"\"{_schema}\".issues";
        _rawClaim =
            $"UPDATE {t} SET state = 1, lease_owner = @owner, lease_expires_at = @expires, attempts = attempts + 1, updated_at = @now "
            + $"WHERE id = (SELECT id FROM {t} WHERE state IN (0, 1) AND ((state = 0 AND (not_before IS NULL OR not_before <= @now)) OR (state = 1 AND lease_expires_at <= @now)) "
            + "ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id";
        _rawComplete = $"UPDATE {t} SET state = 3, reason = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = @now WHERE id = @id AND lease_owner = @owner";
    }

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        using (var drop = _dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE"))
        {
            drop.ExecuteNonQuery();
        }

        _dataSource.Dispose();
    }

    [IterationSetup]
    public void Seed()
    {
        // A realistic table: finished issues stay (FinishedIssues of them), the claimable backlog is refilled.
        Execute(
            $"DELETE FROM \"{_schema}\".issues WHERE state <> 2; "
            + $"INSERT INTO \"{_schema}\".issues (id, blueprint_id, intent, bump, title, priority, labels, state, attempts, created_at, updated_at) "
            + $"SELECT 'issue-' || g || '-' || gen_random_uuid(), 'orders', 'change ' || g, 0, '', g % 3, '{{}}', 0, 0, now(), now() FROM generate_series(1, {IssuesPerInvocation}) g");
        Execute($"VACUUM ANALYZE \"{_schema}\".issues");
    }

    private void Execute(string sql)
    {
        using var command = _dataSource.CreateCommand(sql);
        command.ExecuteNonQuery();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = IssuesPerInvocation)]
    public Task Raw_statements() => RunWorkersAsync(RawWorkerAsync);

    [Benchmark(OperationsPerInvoke = IssuesPerInvocation)]
    public Task PostgresIssueStore_claim_and_complete() => RunWorkersAsync(StoreWorkerAsync);

    private Task RunWorkersAsync(Func<string, Task> worker)
        => Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => worker($"worker-{w}"))));

    private async Task StoreWorkerAsync(string owner)
    {
        while (await _store.ClaimNextAsync(owner, TimeSpan.FromMinutes(5)) is { } issue)
        {
            await _store.CompleteAsync(issue.Id, owner, IssueStatus.Rejected("done"));
        }
    }

    private async Task RawWorkerAsync(string owner)
    {
        while (true)
        {
            var now = TimeProvider.System.GetUtcNow();
            string? id;
            await using (var claim = _dataSource.CreateCommand(_rawClaim))
            {
                claim.Parameters.AddWithValue("owner", owner);
                claim.Parameters.AddWithValue("expires", now.AddMinutes(5));
                claim.Parameters.AddWithValue("now", now);
                id = (string?)await claim.ExecuteScalarAsync();
            }

            if (id is null)
            {
                return;
            }

            await using var complete = _dataSource.CreateCommand(_rawComplete);
            complete.Parameters.AddWithValue("id", id);
            complete.Parameters.AddWithValue("owner", owner);
            complete.Parameters.AddWithValue("now", TimeProvider.System.GetUtcNow());
            await complete.ExecuteNonQueryAsync();
        }
    }
}
