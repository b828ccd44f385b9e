using System.Collections.Concurrent;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace IssueCore.Adapters.Postgres.Tests.Enhance;

/// <summary>
/// Several dispatcher hosts on one PostgreSQL schema: each host is its own service provider with its own
/// <see cref="EnhanceApplication"/> and its own Npgsql data source (connection pool), as separate machines would be.
/// </summary>
public sealed class MultiHostDispatchTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Dispatchers = 4;
    private const int IssueCount = 2000;
    private const int SeriesCount = 10;

    private static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private readonly PostgresTestSchema _schema = new();

    // One clock for every host, as if they shared NTP. It only moves when the queue holds nothing claimable but
    // back-off (see DrainAsync), so leases never expire under the test and no dispatch is taken over.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Four_dispatcher_hosts_drain_2000_issues_over_10_series_each_issue_terminal_once_in_one_linear_history_per_series()
    {
        // Arrange: an ingest host installs the enhance flow, seeds the series and enqueues the issues.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var ingest = NewHost("ingest");
        var app = ingest.GetRequiredService<EnhanceApplication>();
        await app.InstallDefaultFlowAsync(ct);
        var blueprints = ingest.GetRequiredService<IBlueprintStore>();
        var series = new List<BlueprintId>();
        for (var s = 0; s < SeriesCount; s++)
        {
            var id = BlueprintId.Parse($"series{s:D2}");
            await blueprints.WriteNewAsync(id, Seed(id), [], new CommitMetadata("seed", Origin: "seed"), ct);
            series.Add(id);
        }

        var ids = new List<IssueId>(IssueCount);
        for (var i = 0; i < IssueCount; i++)
        {
            // Each issue adds its own member (applies on any head), except every ninth, whose test op fails.
            var patch = i % 9 == 8
                ? """[{"op":"test","path":"/metadata/owner","value":"nobody"}]"""
                : $$"""[{"op":"add","path":"/metadata/n{{i}}","value":{{i}}}]""";
            var created = await app.HandleAsync(
                new IssueDraft
                {
                    BlueprintId = series[i % SeriesCount],
                    Intent = $"change {i}",
                    Patch = JsonDocument.Parse(patch).RootElement.Clone(),
                },
                ct);
            ids.Add(created.Issue.Id);
        }

        // Act: four hosts, each with its own provider, data source and dispatcher, drain the queue at once.
        var hosts = Enumerable.Range(0, Dispatchers).Select(d => NewHost($"dispatcher-{d}")).ToList();
        var outcomes = new ConcurrentBag<(int Host, DispatchOutcome Outcome)>();
        try
        {
            await Task.WhenAll(hosts.Select((host, d) => Task.Run(() => DrainAsync(d, host, outcomes, ct), ct)));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }

        // Assert: every issue reached exactly one terminal outcome, from exactly one host.
        var terminal = outcomes
            .Where(o => o.Outcome.Result is DispatchResult.Applied or DispatchResult.Rejected or DispatchResult.Failed)
            .ToList();
        Assert.DoesNotContain(outcomes, o => o.Outcome.Result == DispatchResult.LeaseLost);
        Assert.Equal(IssueCount, terminal.Count);
        Assert.Equal(ids.Select(i => i.Value).Order(StringComparer.Ordinal), terminal.Select(o => o.Outcome.IssueId.Value).Order(StringComparer.Ordinal));
        Assert.All(Enumerable.Range(0, Dispatchers), d => Assert.Contains(terminal, o => o.Host == d));

        var issues = ingest.GetRequiredService<IIssueStore>();
        var states = new Dictionary<IssueId, IssueStatus>();
        foreach (var id in ids)
        {
            states[id] = (await issues.GetAsync(id, ct)).Status;
        }

        Assert.All(states.Values, s => Assert.True(s.State is IssueState.Applied or IssueState.Rejected, $"{s.State}: {s.Reason}"));
        Assert.Equal(IssueCount / 9, states.Values.Count(s => s.State == IssueState.Rejected));

        // One linear history per series: seed first, then each version's only parent is the one before it, and
        // every commit carries a distinct issue id that is applied with exactly that version.
        var committedIssues = new HashSet<IssueId>();
        foreach (var id in series)
        {
            var history = await blueprints.HistoryAsync(id, IssueCount + 1, ct);
            var head = (await blueprints.ReadHeadAsync(id, ct)).Value.Version;
            Assert.Equal(head, history[0].Version);
            Assert.Empty(history[^1].Parents);
            Assert.Null(history[^1].Metadata.IssueId);
            for (var v = 0; v < history.Count - 1; v++)
            {
                Assert.Equal([history[v + 1].Version], history[v].Parents);
                var issueId = Assert.NotNull(history[v].Metadata.IssueId);
                Assert.True(committedIssues.Add(issueId), $"Issue {issueId} is committed more than once.");
                Assert.Equal(IssueState.Applied, states[issueId].State);
                Assert.Equal(states[issueId].NewVersion, history[v].Version);
                Assert.Equal(id, (await issues.GetAsync(issueId, ct)).BlueprintId);
            }
        }

        Assert.Equal(states.Values.Count(s => s.State == IssueState.Applied), committedIssues.Count);

        // The enhance log holds one entry per issue, agreeing with its status.
        var log = new Dictionary<IssueId, EnhanceLogEntry>();
        await foreach (var entry in ingest.GetRequiredService<IEnhanceLogStore>().ListAllAsync(ct))
        {
            Assert.True(log.TryAdd(entry.IssueId, entry), $"Issue {entry.IssueId} has more than one log entry.");
        }

        Assert.Equal(IssueCount, log.Count);
        Assert.All(ids, id => Assert.Equal(
            states[id].State == IssueState.Applied ? EnhanceOutcome.Applied : EnhanceOutcome.Rejected,
            log[id].Outcome));
        output.WriteLine(
            $"applied={committedIssues.Count} rejected={IssueCount - committedIssues.Count} retried={outcomes.Count(o => o.Outcome.Result == DispatchResult.Retrying)} "
            + string.Join(' ', Enumerable.Range(0, Dispatchers).Select(d => $"dispatcher-{d}={terminal.Count(o => o.Host == d)}")));
    }

    /// <summary>
    /// Ticks until the queue is drained. When nothing is claimable but issues remain, they are either being
    /// dispatched by another host (wait for it) or backing off after a fault (move the shared clock to the earliest
    /// retry time, so a retry happens instead of a stalled test).
    /// </summary>
    private async Task DrainAsync(int host, ServiceProvider provider, ConcurrentBag<(int, DispatchOutcome)> outcomes, CancellationToken ct)
    {
        var app = provider.GetRequiredService<EnhanceApplication>();
        var issues = provider.GetRequiredService<IIssueStore>();
        while (true)
        {
            if (await app.TickAsync(ct) is { } outcome)
            {
                outcomes.Add((host, outcome));
                continue;
            }

            var pending = await issues.ListAsync(new IssueQuery { State = IssueState.Pending, Limit = 1000 }, ct);
            var running = await issues.ListAsync(new IssueQuery { State = IssueState.Running, Limit = 1 }, ct);
            if (pending.Items.Count == 0 && running.Items.Count == 0)
            {
                return;
            }

            if (running.Items.Count == 0 && pending.Items.Min(i => i.NotBefore) is { } retryAt && retryAt > _time.GetUtcNow())
            {
                _time.Advance(retryAt - _time.GetUtcNow());
            }
            else
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System, ct);
            }
        }
    }

    private ServiceProvider NewHost(string name)
    {
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddIssueCore(o => o.Security.SigningKey = SigningKey)
            .UsePostgres(o =>
            {
                o.ConnectionString = $"{_schema.ConnectionString};Application Name={name}";
                o.Schema = _schema.Name;
            });
        services.Configure<EnhanceApplicationOptions>(o => o.DispatcherId = name);
        return services.BuildServiceProvider();
    }

    private static Blueprint Seed(BlueprintId id) => Blueprint.Parse($$$"""
        {"id":"{{{id.Value}}}","metadata":{"version_label":"1.0.0","owner":"team-a"},
         "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 42}"}}],
         "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
        """);
}
