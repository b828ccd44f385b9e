using System.Globalization;
using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Issues;
using Xunit.Abstractions;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class MultiProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_processes_claiming_from_one_file_claim_and_complete_every_issue_exactly_once()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        var store = new SqliteIssueStore(database);
        await database.MigrateAsync();
        await temp.ExecuteAsync(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) " +
            "INSERT INTO issues (id, blueprint_id, intent, bump, title, priority, labels, state, attempts, created_at, updated_at) " +
            "SELECT 'issue-' || i, 'orders', 'intent', 0, '', i % 3, '[]', 'pending', 0, 0, 0 FROM n;");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        using var a = ChildProcess.Start("claim", temp.FilePath, "proc-a");
        using var b = ChildProcess.Start("claim", temp.FilePath, "proc-b");

        // Both children open the file and warm up first, then start on one signal; each then holds one claimed issue
        // until both do, so their claiming overlaps however the machine schedules them.
        Assert.Equal("ready", await a.ReadLineAsync(timeout.Token));
        Assert.Equal("ready", await b.ReadLineAsync(timeout.Token));
        await Task.WhenAll(Go(a), Go(b));
        Assert.Equal("holding", await a.ReadLineAsync(timeout.Token));
        Assert.Equal("holding", await b.ReadLineAsync(timeout.Token));
        await Task.WhenAll(Go(a), Go(b));
        var claimedA = Count(await a.ReadLineAsync(timeout.Token));
        var claimedB = Count(await b.ReadLineAsync(timeout.Token));
        await a.Process.WaitForExitAsync(timeout.Token);
        await b.Process.WaitForExitAsync(timeout.Token);
        output.WriteLine($"proc-a claimed {claimedA}, proc-b claimed {claimedB}.");

        Assert.Equal(0, a.Process.ExitCode);
        Assert.Equal(0, b.Process.ExitCode);
        Assert.Equal(2000, claimedA + claimedB);

        // Each process took part: both held a lease at the same moment, then contended for the file until the queue was empty.
        Assert.True(claimedA > 0, $"proc-a claimed nothing (proc-b claimed {claimedB}).");
        Assert.True(claimedB > 0, $"proc-b claimed nothing (proc-a claimed {claimedA}).");
        Assert.Equal(2000, await temp.ScalarAsync<int>("SELECT count(*) FROM issues WHERE state = 'applied' AND attempts = 1 AND lease_owner IS NULL;"));
        Assert.Empty((await store.ListAsync(new IssueQuery { State = IssueState.Pending })).Items);
        Assert.Empty((await store.ListAsync(new IssueQuery { State = IssueState.Running })).Items);
    }

    [Fact]
    public async Task Killing_a_writer_mid_burst_twenty_times_leaves_a_consistent_verifiable_file()
    {
        await using var temp = new TempDatabase();
        var random = new Random(20261123);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        for (var round = 0; round < 20; round++)
        {
            using (var child = ChildProcess.Start("burst", temp.FilePath, $"run-{round:D2}"))
            {
                var rounds = random.Next(1, 40);
                for (var i = 0; i < rounds; i++)
                {
                    await child.ReadLineAsync(timeout.Token);
                }

                child.Process.Kill();
                await child.Process.WaitForExitAsync(timeout.Token);
            }

            await VerifyAsync(temp, round, timeout.Token);
        }
    }

    private static async Task VerifyAsync(TempDatabase temp, int round, CancellationToken cancellationToken)
    {
        var database = temp.Open();
        Assert.Equal(SqliteSchema.LatestVersion, await database.GetSchemaVersionAsync(cancellationToken));
        Assert.Equal("ok", await temp.ScalarAsync<string>("PRAGMA integrity_check;"));
        var blueprints = new SqliteBlueprintStore(database);
        var council = new SqliteCouncilRepository(database);
        var series = BlueprintId.Parse("burst");

        // Every stored version verifies, the chain is unbroken and the head is its newest link.
        var head = await blueprints.ReadHeadAsync(series, cancellationToken);
        var history = await blueprints.HistoryAsync(series, int.MaxValue, cancellationToken);
        Assert.Equal(head.Trace.Version, history[0].Version);
        Assert.Equal(history.Count, head.Value.Root.GetProperty("counter").GetInt64());
        for (var i = 0; i < history.Count; i++)
        {
            var stored = await blueprints.ReadVersionAsync(series, history[i].Version, cancellationToken);
            Assert.Equal(history[i].Version, stored.Value.Version);
            Assert.Equal(i == history.Count - 1 ? [] : [history[i + 1].Version], history[i].Parents);
        }

        // Every run written so far has gapless sequences 1..N matching its counter.
        for (var r = 0; r <= round; r++)
        {
            var runId = CouncilRunId.Parse($"run-{r:D2}");
            if (await council.GetRunAsync(runId, cancellationToken) is null)
            {
                continue;
            }

            var sequences = new List<long>();
            await foreach (var e in council.ListEventsAsync(runId, cancellationToken))
            {
                sequences.Add(e.Sequence);
            }

            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
            Assert.Equal(sequences.Count, await temp.ScalarAsync<int>($"SELECT last_sequence FROM council_runs WHERE run_id = 'run-{r:D2}';"));
        }

        await database.DisposeAsync();
    }

    private static async Task Go(ChildProcess child)
    {
        await child.Process.StandardInput.WriteLineAsync("go");
        await child.Process.StandardInput.FlushAsync();
    }

    private static int Count(string line)
    {
        Assert.StartsWith("claimed ", line, StringComparison.Ordinal);
        return int.Parse(line["claimed ".Length..], CultureInfo.InvariantCulture);
    }
}
