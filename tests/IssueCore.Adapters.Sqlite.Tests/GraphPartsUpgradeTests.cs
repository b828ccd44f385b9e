using System.Text.Json;
using IssueCore.Adapters.Sqlite;
using IssueCore.Council;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class GraphPartsUpgradeTests
{
    // A graph shaped as the engine writes it: the flow being run under "blueprint", the run's own input beside it.
    private static readonly string Flow =
        "{\"agents\":[{\"kind\":\"lua\",\"name\":\"patch-spawner\",\"spec\":{\"fn_id\":\"enhance.patch-spawner\"}},{\"kind\":\"host\",\"name\":\"verifier-router\"}]," +
        "\"flow\":{\"children\":[{\"in\":{\"at\":\"$\",\"op\":\"path\"},\"kind\":\"step\",\"out\":\"$.proposal\",\"ref\":\"patch-spawner\"}],\"kind\":\"seq\"}," +
        "\"id\":\"enhance-default\",\"metadata\":{\"description\":\"Spawn a patch, check it, commit or reject \\u002B caf\\u00E9.\",\"version_label\":\"1.0.0\"}}";

    private static string Graph(int counter) =>
        "{\"format\":2,\"blueprint\":" + Flow + ",\"initial_context\":{\"issue\":{\"id\":\"issue-" + counter + "\",\"note\":\"d\u00E9j\u00E0 \\u002B\"}},\"ttl_ms\":300000}";

    private static CouncilRun Run(string id, string graph) => new()
    {
        Id = CouncilRunId.Parse(id),
        FlowId = "enhance-default",
        Status = CouncilRunStatus.Completed,
        Graph = JsonDocument.Parse(graph).RootElement.Clone(),
        CreatedAt = DateTimeOffset.UnixEpoch.AddDays(1),
        UpdatedAt = DateTimeOffset.UnixEpoch.AddDays(1),
    };

    [Fact]
    public async Task A_file_of_schema_8_upgrades_in_place_and_its_runs_read_back_with_their_whole_graph()
    {
        // The schema the previous release installs: migrations 1 to 8, with a run whose whole graph is in its row.
        await using var temp = new TempDatabase();
        foreach (var migration in SqliteSchema.Migrations.Where(m => string.CompareOrdinal(m.Name, "0009") < 0))
        {
            await temp.ExecuteAsync(migration.Sql);
        }

        var old = Graph(0);
        await temp.ExecuteAsync(
            "PRAGMA user_version = 8;" +
            "INSERT INTO council_runs (run_id, flow_id, subject, status, graph, created_at, updated_at) " +
            "VALUES ('run-old', 'enhance-default', 'issue:old', 'completed', '" + old.Replace("'", "''", StringComparison.Ordinal) + "', 1000, 1000);");

        var database = temp.Open();
        ICouncilRepository runs = new SqliteCouncilRepository(database);

        var read = await runs.GetRunAsync(CouncilRunId.Parse("run-old"));

        Assert.Equal(SqliteSchema.LatestVersion, await database.GetSchemaVersionAsync());
        Assert.Equal(old, read?.Graph?.GetRawText());
        Assert.Equal(0L, await temp.ScalarAsync<long>("SELECT count(*) FROM council_graph_parts;"));
    }

    [Fact]
    public async Task Runs_of_one_flow_store_its_text_once_and_read_back_byte_for_byte()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        ICouncilRepository runs = new SqliteCouncilRepository(database);

        await runs.CreateRunAsync(Run("run-1", Graph(1)));
        await runs.WriteRunAsync(new CouncilRunRecord { Run = Run("run-2", Graph(2)), Events = [] });
        await runs.CreateRunAsync(Run("run-3", "{\"format\":2,\"blueprint\":{\"id\":\"small\"}}"));
        await runs.UpdateGraphAsync(CouncilRunId.Parse("run-3"), JsonDocument.Parse(Graph(3)).RootElement);

        Assert.Equal(Graph(1), (await runs.GetRunAsync(CouncilRunId.Parse("run-1")))?.Graph?.GetRawText());
        Assert.Equal(Graph(2), (await runs.GetRunAsync(CouncilRunId.Parse("run-2")))?.Graph?.GetRawText());
        Assert.Equal(Graph(3), (await runs.GetRunAsync(CouncilRunId.Parse("run-3")))?.Graph?.GetRawText());
        Assert.Equal(new[] { Graph(3), Graph(2), Graph(1) }, (await runs.ListRunsAsync().ToListAsync()).Select(r => r.Graph?.GetRawText() ?? string.Empty).ToArray());
        Assert.Equal(1L, await temp.ScalarAsync<long>("SELECT count(*) FROM council_graph_parts;"));
        Assert.Equal(0L, await temp.ScalarAsync<long>("SELECT count(*) FROM council_runs WHERE instr(graph, 'patch-spawner') > 0;"));
    }

    [Fact]
    public async Task A_part_no_run_names_any_more_is_removed_by_the_purge()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open();
        ICouncilRepository runs = new SqliteCouncilRepository(database);
        await runs.CreateRunAsync(Run("run-1", Graph(1)));
        await runs.CreateRunAsync(Run("run-2", Graph(2)));

        await runs.PurgeFinishedRunsAsync(new CouncilRetentionPolicy { KeepLatest = 1 });
        var keptParts = await temp.ScalarAsync<long>("SELECT count(*) FROM council_graph_parts;");
        await runs.PurgeFinishedRunsAsync(new CouncilRetentionPolicy { FinishedBefore = DateTimeOffset.UnixEpoch.AddDays(2) });

        Assert.Equal(1L, keptParts);
        Assert.Equal(0L, await temp.ScalarAsync<long>("SELECT count(*) FROM council_graph_parts;"));
        Assert.Empty(await runs.ListRunsAsync().ToListAsync());
    }
}
