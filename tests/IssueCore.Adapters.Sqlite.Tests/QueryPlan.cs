namespace IssueCore.Adapters.Sqlite.Tests;

internal static class QueryPlan
{
    /// <summary>Returns the detail lines of <c>EXPLAIN QUERY PLAN</c> for a statement.</summary>
    public static async Task<List<string>> ExplainAsync(TempDatabase temp, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await temp.OpenRawAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql.TrimEnd(';');
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        return plan;
    }
}
