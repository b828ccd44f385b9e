using IssueCore.Adapters.Sqlite;

namespace IssueCore.Adapters.Sqlite.Tests;

/// <summary>Every keyed list reads an index in list order: no table scan and no sort, whatever the table size.</summary>
public sealed class QueryPlanTests
{
    public static TheoryData<string, string> KeyedLists => new()
    {
        { "blueprint history", SqliteBlueprintStore.HistorySql },
        { "enhance log", SqliteEnhanceLogStore.PageAllSql },
        { "enhance log by series", SqliteEnhanceLogStore.PageByBlueprintSql },
        { "run events", SqliteCouncilRepository.EventsPageSql },
        { "runs", SqliteCouncilRepository.RunsPageSql },
        { "runs by status", SqliteCouncilRepository.RunsByStatusPageSql },
        { "completed runs", SqliteCouncilRepository.CompletedRunsPageSql },
    };

    [Theory]
    [MemberData(nameof(KeyedLists))]
    public async Task Keyed_list_reads_an_index_in_order_without_sorting(string name, string sql)
    {
        await using var temp = new TempDatabase();
        await temp.Open().MigrateAsync();

        var plan = await QueryPlan.ExplainAsync(
            temp,
            sql,
            ("@id", "x"), ("@limit", 10), ("@ts", 0L), ("@seq", 0L), ("@blueprint_id", "x"), ("@run_id", "x"), ("@after", 0L), ("@created", 0L), ("@status", "running"));

        Assert.True(plan.TrueForAll(p => !p.Contains("TEMP B-TREE", StringComparison.Ordinal)), $"{name}: {string.Join(" | ", plan)}");
        Assert.True(plan.TrueForAll(p => !(p.StartsWith("SCAN", StringComparison.Ordinal) && !p.Contains("INDEX", StringComparison.Ordinal))), $"{name}: {string.Join(" | ", plan)}");
    }
}
