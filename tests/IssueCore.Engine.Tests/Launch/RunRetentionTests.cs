using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IssueCore.Engine.Tests.Launch;

public sealed class RunRetentionTests
{
    private static readonly string Flow = """{"kind":"step","ref":"a","out":"$.a"}""";

    [Fact]
    public async Task AddIssueCore_registers_a_purge_that_keeps_the_newest_finished_runs_and_every_unfinished_one()
    {
        await using var engine = EngineHarness.Create(
            s =>
            {
                s.AddIssueCoreAgent("a", TestAgent.Constant("A"));
                s.Configure<IssueCoreOptions>(o => o.RunRetention.KeepLatest = 2);
            });
        var repository = engine.Repository;
        var finished = new List<CouncilRunId>();
        for (var i = 0; i < 5; i++)
        {
            finished.Add((await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a")))).RunId);
            engine.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var unfinished = CouncilRunId.New();
        await repository.CreateRunAsync(new CouncilRun { Id = unfinished, FlowId = "f", Status = CouncilRunStatus.Running, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch });
        var service = engine.Provider.GetServices<IHostedService>().OfType<RunRetentionService>().Single();

        var purged = await service.PurgeOnceAsync(CancellationToken.None);

        Assert.Equal(3, purged);
        var left = new List<CouncilRunId>();
        await foreach (var run in repository.ListRunsAsync())
        {
            left.Add(run.Id);
        }

        Assert.Equal([finished[4], finished[3], unfinished], left);
        Assert.Empty(await engine.EventsAsync(finished[0]));
    }

    [Fact]
    public async Task The_background_purge_runs_every_interval_and_deletes_finished_runs_older_than_the_max_age()
    {
        await using var engine = EngineHarness.Create(
            s =>
            {
                s.AddIssueCoreAgent("a", TestAgent.Constant("A"));
                s.Configure<IssueCoreOptions>(o =>
                {
                    o.RunRetention.KeepLatest = null;
                    o.RunRetention.MaxAge = TimeSpan.FromHours(1);
                    o.RunRetention.PurgeInterval = TimeSpan.FromMinutes(1);
                });
            });
        var repository = engine.Repository;
        var old = (await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a")))).RunId;
        engine.Time.Advance(TimeSpan.FromMinutes(59));
        var recent = (await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a")))).RunId;
        var service = engine.Provider.GetServices<IHostedService>().OfType<RunRetentionService>().Single();
        await service.StartAsync(CancellationToken.None);
        try
        {
            // Tick until the purge has run; each tick is one fake minute, the old run passes the hour on the second.
            await WaitUntilGoneAsync(repository, old, () => engine.Time.Advance(TimeSpan.FromMinutes(1)));

            Assert.Null(await repository.GetRunAsync(old));
            Assert.NotNull(await repository.GetRunAsync(recent));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_background_purge_also_runs_once_enough_runs_have_finished_while_the_clock_stands_still()
    {
        await using var engine = EngineHarness.Create(
            s =>
            {
                s.AddIssueCoreAgent("a", TestAgent.Constant("A"));
                s.Configure<IssueCoreOptions>(o =>
                {
                    o.RunRetention.KeepLatest = 2;
                    o.RunRetention.PurgeAfterRuns = 5;
                    o.RunRetention.PurgeInterval = TimeSpan.FromDays(1); // never reached: the fake clock does not move
                });
            });
        var service = engine.Provider.GetServices<IHostedService>().OfType<RunRetentionService>().Single();
        await service.StartAsync(CancellationToken.None);
        try
        {
            var runs = new List<CouncilRunId>();
            for (var i = 0; i < 4; i++)
            {
                runs.Add((await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a")))).RunId);
            }

            // Four finished runs: below the count, so nothing wakes the purge.
            Assert.NotNull(await engine.Repository.GetRunAsync(runs[0]));

            runs.Add((await engine.LaunchAsync(EngineHarness.Blueprint(Flow, EngineHarness.HostAgents("a")))).RunId);
            await WaitUntilGoneAsync(engine.Repository, runs[2]);

            Assert.Null(await engine.Repository.GetRunAsync(runs[2]));
            Assert.NotNull(await engine.Repository.GetRunAsync(runs[3]));
            Assert.NotNull(await engine.Repository.GetRunAsync(runs[4]));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void A_purge_count_must_be_positive()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => EngineHarness.Create(s => s.Configure<IssueCoreOptions>(o => o.RunRetention.PurgeAfterRuns = 0)));
        Assert.Contains("PurgeAfterRuns", ex.Message);
    }

    /// <summary>Polls (30 s at most) until the background purge deleted <paramref name="run"/>, calling <paramref name="between"/> between polls.</summary>
    private static async Task WaitUntilGoneAsync(ICouncilRepository repository, CouncilRunId run, Action? between = null)
    {
        for (var i = 0; i < 3_000 && await repository.GetRunAsync(run) is not null; i++)
        {
            between?.Invoke();
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System);
        }
    }

    [Fact]
    public void Retention_needs_a_count_or_an_age_when_enabled()
    {
        // The launch service reads its options when it is built, so the engine never runs with them.
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => EngineHarness.Create(s => s.Configure<IssueCoreOptions>(o =>
        {
            o.RunRetention.KeepLatest = null;
            o.RunRetention.MaxAge = null;
        })));
        Assert.Contains("RunRetention", ex.Message);
    }
}
