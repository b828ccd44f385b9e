using IssueCore.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace IssueCore.Reliability.Tests;

public sealed class KillDuringDispatchTests(ITestOutputHelper output, SummarySink sink) : IClassFixture<SummarySink>
{
    [Fact]
    public async Task Killing_the_dispatcher_process_at_random_moments_never_loses_or_duplicates_an_issue_on_sqlite()
    {
        await using var h = PipelineHarness.Sqlite();

        await ProcessScenarios.KillDuringDispatchAsync(h, output, sink, "kill-9 sqlite", seed: 20260901);
    }

    [PostgresFact]
    public async Task Killing_the_dispatcher_process_at_random_moments_never_loses_or_duplicates_an_issue_on_postgres()
    {
        await using var h = PipelineHarness.Postgres(PostgresFactAttribute.ConnectionString!);

        await ProcessScenarios.KillDuringDispatchAsync(h, output, sink, "kill-9 postgres", seed: 20260902);
    }
}
