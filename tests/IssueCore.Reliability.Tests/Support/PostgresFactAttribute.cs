namespace IssueCore.Reliability.Tests.Support;

/// <summary>A fact that needs the PostgreSQL test server; without <c>ISSUECORE_POSTGRES</c> it is skipped, visibly, with how to start one.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (ConnectionString is null)
        {
            Skip = $"{PipelineHarness.PostgresVariable} is not set: start the throwaway server with `source .ci/postgres.sh start` to run this scenario on PostgreSQL.";
        }
    }

    public static string? ConnectionString
        => Environment.GetEnvironmentVariable(PipelineHarness.PostgresVariable) is { Length: > 0 } cs ? cs : null;
}
