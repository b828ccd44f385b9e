using System.Diagnostics.Metrics;
using System.Text.Json;
using IssueCore.Adapters.InMemory;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Engine.Tests.Enhance;

/// <summary>The engine with the in-memory adapters, the built-in enhance flow installed, on a fake clock.</summary>
internal sealed class EnhanceHarness : IAsyncDisposable
{
    public static readonly BlueprintId Target = BlueprintId.Parse("orders");

    private EnhanceHarness(ServiceProvider provider, FakeTimeProvider time)
    {
        Provider = provider;
        Time = time;
        App = provider.GetRequiredService<EnhanceApplication>();
    }

    public ServiceProvider Provider { get; }

    public FakeTimeProvider Time { get; }

    public EnhanceApplication App { get; }

    public IIssueStore Issues => Provider.GetRequiredService<IIssueStore>();

    public IBlueprintStore Blueprints => Provider.GetRequiredService<IBlueprintStore>();

    public IEnhanceSettingStore Settings => Provider.GetRequiredService<IEnhanceSettingStore>();

    public IEnhanceLogStore Log => Provider.GetRequiredService<IEnhanceLogStore>();

    public EnhanceApplicationOptions Options => Provider.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value;

    /// <summary>The target series' first Blueprint: one Lua step, version_label 1.0.0.</summary>
    public static Blueprint TargetV1 { get; } = Blueprint.Parse("""
        {"id":"orders","metadata":{"version_label":"1.0.0","owner":"team-a"},
         "agents":[{"name":"price","kind":"lua","spec":{"fn_id":"orders.price"}}],
         "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
        """);

    /// <summary>Where the harness's fake clock starts.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<EnhanceHarness> CreateAsync(
        Action<IServiceCollection>? configure = null,
        Action<EnhanceApplicationOptions>? options = null,
        bool install = true,
        bool seedTarget = true,
        FaultPlan? faults = null,
        FakeTimeProvider? time = null)
    {
        time ??= new FakeTimeProvider(Start);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIssueCore(o => o.Security.SigningKey = EngineHarness.SigningKey).UseInMemory();
        services.Configure<EnhanceApplicationOptions>(o =>
        {
            o.DispatcherId = "dispatcher-1";
            options?.Invoke(o);
        });
        if (faults is not null)
        {
            services.Replace(ServiceDescriptor.Singleton<IIssueStore>(sp => new FaultyIssueStore(new InMemoryIssueStore(time), faults)));
            services.Replace(ServiceDescriptor.Singleton<IBlueprintStore>(sp => new FaultyBlueprintStore(new InMemoryBlueprintStore(time), faults)));
            services.Replace(ServiceDescriptor.Singleton<IEnhanceSettingStore>(sp => new FaultySettingStore(new InMemoryEnhanceSettingStore(time), faults)));
            services.Replace(ServiceDescriptor.Singleton<IEnhanceLogStore>(sp => new FaultyLogStore(new InMemoryEnhanceLogStore(time), faults)));
            services.Replace(ServiceDescriptor.Singleton<ICouncilRepository>(sp => new FaultyCouncilRepository(new InMemoryCouncilRepository(time), faults)));
        }

        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        var harness = new EnhanceHarness(provider, time);
        if (install)
        {
            await harness.App.InstallDefaultFlowAsync();
        }

        if (seedTarget)
        {
            await harness.Blueprints.WriteNewAsync(Target, TargetV1, [], new CommitMetadata("seed", Origin: "seed"));
        }

        return harness;
    }

    /// <summary>A second dispatcher over the same stores, with its own lease owner name (and its meters from <paramref name="meters"/>).</summary>
    public EnhanceApplication NewDispatcher(string dispatcherId, IMeterFactory? meters = null)
    {
        var options = Options;
        var copy = new EnhanceApplicationOptions
        {
            DispatcherId = dispatcherId,
            LeaseDuration = options.LeaseDuration,
            MaxAttempts = options.MaxAttempts,
            RetryBaseDelay = options.RetryBaseDelay,
            RetryMaxDelay = options.RetryMaxDelay,
            MaxConflictRetries = options.MaxConflictRetries,
            PollInterval = options.PollInterval,
            HeartbeatInterval = options.HeartbeatInterval,
            DispatchTimeout = options.DispatchTimeout,
        };
        return new EnhanceApplication(
            Issues,
            Blueprints,
            Settings,
            Log,
            Provider.GetRequiredService<TaskLaunchService>(),
            Provider.GetRequiredService<IssueCore.Enhance.Governance.VerifierHost>(),
            Microsoft.Extensions.Options.Options.Create(copy),
            Time,
            NullLogger<EnhanceApplication>.Instance,
            meters);
    }

    public Task<IssueCreateResult> EnqueueAsync(string patch, string intent = "change", VersionBump bump = VersionBump.Patch, BlueprintId? target = null, IssueId? id = null)
        => App.HandleAsync(new IssueDraft
        {
            Id = id,
            BlueprintId = target ?? Target,
            Intent = intent,
            Patch = JsonDocument.Parse(patch).RootElement.Clone(),
            Bump = bump,
        });

    /// <summary>Ticks until nothing is claimable, moving the fake clock past leases and back-offs until every listed issue is terminal.</summary>
    public async Task<List<DispatchOutcome>> DrainAsync(IReadOnlyCollection<IssueId> issues, EnhanceApplication? app = null, int maxSteps = 10_000)
    {
        app ??= App;
        var outcomes = new List<DispatchOutcome>();
        for (var step = 0; step < maxSteps; step++)
        {
            DispatchOutcome? outcome;
            try
            {
                outcome = await app.TickAsync();
            }
            catch (IssueCoreException)
            {
                continue; // a fault the store threw straight at the tick (claim or release): try again
            }

            if (outcome is not null)
            {
                outcomes.Add(outcome);
                continue;
            }

            if (await AllTerminalAsync(issues))
            {
                return outcomes;
            }

            Time.Advance(Options.LeaseDuration + Options.RetryMaxDelay);
        }

        throw new InvalidOperationException("The queue did not drain.");
    }

    public async Task<bool> AllTerminalAsync(IEnumerable<IssueId> issues)
    {
        foreach (var id in issues)
        {
            var issue = await Issues.GetAsync(id);
            if (!issue.Status.IsTerminal)
            {
                return false;
            }
        }

        return true;
    }

    public async Task<List<EnhanceLogEntry>> LogEntriesAsync()
    {
        var list = new List<EnhanceLogEntry>();
        await foreach (var e in Log.ListAllAsync())
        {
            list.Add(e);
        }

        return list;
    }

    public async ValueTask DisposeAsync() => await Provider.DisposeAsync();
}
