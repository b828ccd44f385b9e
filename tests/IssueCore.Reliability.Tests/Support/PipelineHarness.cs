using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>
/// The test's own view of one store (a SQLite file or a PostgreSQL schema): it installs the enhance flow, seeds
/// series, enqueues issues and checks the invariants, through the same ports and registration the dispatcher
/// processes use. It never dispatches.
/// </summary>
internal sealed class PipelineHarness : IAsyncDisposable
{
    public const string PostgresVariable = "ISSUECORE_POSTGRES";

    private readonly string? _folder;
    private readonly string? _postgresConnectionString;
    private readonly string? _schema;

    private PipelineHarness(string[] childArgs, Action<IServiceCollection> useStore, string? folder, string? postgres, string? schema)
    {
        ChildArgs = childArgs;
        UseStore = useStore;
        _folder = folder;
        _postgresConnectionString = postgres;
        _schema = schema;
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.SigningKey = SigningKey);
        useStore(services);
        Provider = services.BuildServiceProvider();
        App = Provider.GetRequiredService<EnhanceApplication>();
    }

    public static string SigningKey { get; } = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    /// <summary>The store arguments for a dispatcher process on the same store.</summary>
    public IReadOnlyList<string> ChildArgs { get; }

    /// <summary>The store arguments for the dispatcher process <paramref name="name"/> (on PostgreSQL its connections carry the name).</summary>
    public IReadOnlyList<string> ChildArgsFor(string name)
        => _postgresConnectionString is null
            ? ChildArgs
            : ["store=postgres", $"cs={_postgresConnectionString};Application Name={name}", "schema=" + _schema];

    /// <summary>
    /// Waits until nothing the killed process <paramref name="name"/> sent can still change the store. On SQLite a
    /// killed process's write dies with it; on PostgreSQL the server finishes a statement it already received, so
    /// wait until the server has closed every session of that process.
    /// </summary>
    public async Task SettleAfterKillAsync(string name, CancellationToken cancellationToken)
    {
        if (_postgresConnectionString is null)
        {
            return;
        }

        await using var dataSource = NpgsqlDataSource.Create(_postgresConnectionString);
        while (true)
        {
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, cancellationToken);
        }
    }

    public ServiceProvider Provider { get; }

    /// <summary>Registers this harness's store on another service collection (an in-process worker on the same store).</summary>
    public Action<IServiceCollection> UseStore { get; }

    public EnhanceApplication App { get; }

    public IIssueStore Issues => Provider.GetRequiredService<IIssueStore>();

    public IBlueprintStore Blueprints => Provider.GetRequiredService<IBlueprintStore>();

    public IEnhanceLogStore Log => Provider.GetRequiredService<IEnhanceLogStore>();

    public ICouncilRepository Council => Provider.GetRequiredService<ICouncilRepository>();

    public IEnhanceSettingStore Settings => Provider.GetRequiredService<IEnhanceSettingStore>();

    public static PipelineHarness Sqlite()
    {
        var folder = Path.Combine(Path.GetTempPath(), "issuecore-reliability", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var cs = $"Data Source={Path.Combine(folder, "issuecore.db")}";
        return new PipelineHarness(["store=sqlite", "cs=" + cs], s => s.UseSqlite(cs), folder, null, null);
    }

    public static PipelineHarness Postgres(string connectionString)
    {
        var schema = "rel_" + Guid.NewGuid().ToString("N")[..16];
        return new PipelineHarness(
            ["store=postgres", "cs=" + connectionString, "schema=" + schema],
            s => s.UsePostgres(o =>
            {
                o.ConnectionString = connectionString;
                o.Schema = schema;
            }),
            null,
            connectionString,
            schema);
    }

    /// <summary>Installs the built-in enhance flow and a setting that checks <paramref name="axes"/> (the built-in ones by default).</summary>
    public async Task InstallAsync(IReadOnlyList<string>? axes = null)
    {
        var setting = await App.InstallDefaultFlowAsync();
        if (axes is not null)
        {
            await Settings.PutAsync(EnhanceSettingId.Default, setting with { VerifierAxes = axes });
        }
    }

    /// <summary>Seeds <paramref name="count"/> series <c>{prefix}00…</c>, each with a one-step inline Lua flow.</summary>
    public async Task<List<BlueprintId>> SeedSeriesAsync(string prefix, int count)
    {
        var ids = new List<BlueprintId>();
        for (var i = 0; i < count; i++)
        {
            var id = BlueprintId.Parse($"{prefix}{i:D2}");
            await Blueprints.WriteNewAsync(id, SeriesSeed(id.Value), [], new CommitMetadata("seed", Origin: "seed"));
            ids.Add(id);
        }

        return ids;
    }

    public static Blueprint SeriesSeed(string id) => Blueprint.Parse($$$"""
        {"id":"{{{id}}}","metadata":{"version_label":"1.0.0","owner":"team-a"},
         "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 42}"}}],
         "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
        """);

    /// <summary>
    /// Enqueues <paramref name="count"/> issues round-robin over <paramref name="series"/>: each adds its own metadata
    /// member (applies on any head), except every ninth, whose <c>test</c> op fails (rejected by every axis).
    /// </summary>
    public async Task<List<IssueId>> EnqueueMixAsync(IReadOnlyList<BlueprintId> series, int count, int first = 0)
    {
        var ids = new List<IssueId>(count);
        for (var i = first; i < first + count; i++)
        {
            var patch = i % 9 == 8
                ? """[{"op":"test","path":"/metadata/owner","value":"nobody"}]"""
                : $$"""[{"op":"add","path":"/metadata/n{{i}}","value":{{i}}}]""";
            ids.Add(await EnqueueAsync(series[i % series.Count], patch, $"change {i}"));
        }

        return ids;
    }

    public async Task<IssueId> EnqueueAsync(BlueprintId target, string patch, string intent)
    {
        var created = await App.HandleAsync(new IssueDraft
        {
            BlueprintId = target,
            Intent = intent,
            Patch = JsonDocument.Parse(patch).RootElement.Clone(),
        });
        return created.Issue.Id;
    }

    /// <summary>Whether no issue is pending or running (a running one may be a killed dispatcher's, until its lease expires).</summary>
    public async Task<bool> DrainedAsync(CancellationToken cancellationToken = default)
        => (await Issues.ListAsync(new IssueQuery { State = IssueState.Pending, Limit = 1 }, cancellationToken)).Items.Count == 0
           && (await Issues.ListAsync(new IssueQuery { State = IssueState.Running, Limit = 1 }, cancellationToken)).Items.Count == 0;

    public async Task<List<CouncilRunId>> RunsAsync(CouncilRunStatus status, CancellationToken cancellationToken = default)
    {
        var runs = new List<CouncilRunId>();
        await foreach (var run in Council.ListRunsAsync(status, cancellationToken))
        {
            runs.Add(run.Id);
        }

        return runs;
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        if (_folder is not null)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A killed child may still be releasing the file; the OS temp cleaner gets it later.
            }
        }

        if (_postgresConnectionString is not null)
        {
            await using var dataSource = NpgsqlDataSource.Create(_postgresConnectionString);
            await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
            await command.ExecuteNonQueryAsync();
        }
    }
}
