using IssueCore.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace IssueCore.Reliability.Tests;

public sealed class TwoHostsTests(ITestOutputHelper output, SummarySink sink) : IClassFixture<SummarySink>
{
    [Fact]
    public async Task Two_dispatcher_processes_on_one_sqlite_file_apply_every_issue_exactly_once_in_one_chain_per_series()
    {
        await using var h = PipelineHarness.Sqlite();

        await ProcessScenarios.TwoHostsAsync(h, output, sink, "two-hosts sqlite");
    }

    [PostgresFact]
    public async Task Two_dispatcher_processes_on_one_postgres_schema_apply_every_issue_exactly_once_in_one_chain_per_series()
    {
        await using var h = PipelineHarness.Postgres(PostgresFactAttribute.ConnectionString!);

        await ProcessScenarios.TwoHostsAsync(h, output, sink, "two-hosts postgres");
    }
}
