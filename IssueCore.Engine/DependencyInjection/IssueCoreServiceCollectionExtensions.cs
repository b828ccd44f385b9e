using IssueCore;
using IssueCore.Agents;
using IssueCore.Blueprints;
using IssueCore.DependencyInjection;
using IssueCore.Enhance;
using IssueCore.Enhance.Governance;
using IssueCore.Enhance.Spawning;
using IssueCore.Enhance.Verifiers;
using IssueCore.Issues;
using IssueCore.Launch;
using IssueCore.Scripting;
using IssueCore.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // extension methods live in the DI namespace by convention
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the IssueCore engine.</summary>
public static class IssueCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine: <see cref="TimeProvider.System"/> (unless one is registered), the Lua
    /// <see cref="IScriptExecutor"/> (a singleton <see cref="LuaScriptExecutor"/> configured by
    /// <c>services.Configure&lt;LuaScriptExecutorOptions&gt;</c>; resolve it to register scripts), the flow engine, the
    /// role/verb gate, <see cref="TaskLaunchService"/>, the built-in tracing and logging agent middleware, a
    /// hosted service that marks interrupted runs at start, and one that purges the recorded runs of finished flows as
    /// <see cref="IssueCoreOptions.RunRetention"/> says. Options are validated at start. A second call only
    /// applies <paramref name="configure"/>. Chain an adapter for the stores, for example <c>.UseInMemory()</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options (for example the signing key).</param>
    /// <returns>The same collection, for chaining.</returns>
#pragma warning disable RS0027 // the IConfiguration overload is told apart by type; only a bare null is ambiguous
    public static IServiceCollection AddIssueCore(this IServiceCollection services, Action<IssueCoreOptions>? configure = null)
#pragma warning restore RS0027
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<IssueCoreOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(IssueCoreMarker)))
        {
            return services;
        }

        services.AddSingleton<IssueCoreMarker>();
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IssueCoreOptions>, IssueCoreOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.Configure<LuaScriptExecutorOptions>(EnhanceScripts.AddPrimitives);
        services.TryAddSingleton(sp =>
        {
            var executor = new LuaScriptExecutor(
                sp.GetService<IOptions<LuaScriptExecutorOptions>>()?.Value,
                sp.GetRequiredService<TimeProvider>());
            EnhanceScripts.Register(executor);
            return executor;
        });
        services.TryAddSingleton<IScriptExecutor>(sp => sp.GetRequiredService<LuaScriptExecutor>());
        services.TryAddSingleton<SigningKeyProvider>();
        services.TryAddSingleton<RoleVerbGate>();
        services.TryAddSingleton(sp => new AgentBinder(sp, sp.GetServices<HostAgentRegistration>(), sp.GetServices<IAgentMiddleware>()));
        services.TryAddSingleton(sp =>
        {
            var retention = sp.GetRequiredService<IOptions<IssueCoreOptions>>().Value.RunRetention;
            return new RunRetentionTrigger(retention.Enabled ? retention.PurgeAfterRuns : null);
        });
        services.TryAddSingleton(sp =>
        {
            EngineServices.ValidateOptions(sp);
            return new TaskLaunchService(
                sp.GetRequiredService<AgentBinder>(),
                sp.GetRequiredService<RoleVerbGate>(),
                EngineServices.RequirePort<IssueCore.Council.ICouncilRepository>(sp),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IOptions<IssueCoreOptions>>(),
                LoggerOf<TaskLaunchService>(sp),
                sp.GetRequiredService<RunRetentionTrigger>());
        });

        AddEnhance(services);

        // Built-in middleware first, so it is outermost; host middleware follows in registration order.
        services.AddSingleton<IAgentMiddleware, TracingAgentMiddleware>();
        services.AddSingleton<IAgentMiddleware>(sp => new LoggingAgentMiddleware(LoggerOf<LoggingAgentMiddleware>(sp)));
        services.AddHostedService(sp => new InterruptedRunsRecoveryService(
            sp.GetRequiredService<TaskLaunchService>(),
            sp.GetRequiredService<IOptions<IssueCoreOptions>>(),
            LoggerOf<InterruptedRunsRecoveryService>(sp)));
        services.AddHostedService(sp => new RunRetentionService(
            EngineServices.RequirePort<IssueCore.Council.ICouncilRepository>(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<IssueCoreOptions>>(),
            LoggerOf<RunRetentionService>(sp),
            sp.GetRequiredService<RunRetentionTrigger>()));
        return services;
    }

    /// <summary>
    /// Registers the engine like <see cref="AddIssueCore(IServiceCollection, Action{IssueCoreOptions}?)"/>, with
    /// <see cref="IssueCoreOptions"/> bound from <paramref name="configuration"/>, for example
    /// <c>services.AddIssueCore(builder.Configuration.GetSection("IssueCore"))</c> with keys such as
    /// <c>IssueCore:Security:SigningKey</c> (environment variable <c>IssueCore__Security__SigningKey</c>). The options
    /// are validated before the engine writes anything.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding <see cref="IssueCoreOptions"/>.</param>
    /// <returns>The same collection, for chaining an adapter.</returns>
    public static IServiceCollection AddIssueCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddIssueCore();
        services.AddOptions<IssueCoreOptions>().Bind(configuration);
        return services;
    }

    /// <summary>
    /// Runs the dispatcher like <see cref="AddIssueCoreWorker(IServiceCollection, Action{EnhanceApplicationOptions}?)"/>,
    /// with <see cref="EnhanceApplicationOptions"/> bound from <paramref name="configuration"/> (for example
    /// <c>configuration.GetSection("IssueCore:Dispatcher")</c>).
    /// </summary>
    /// <param name="services">The service collection (with <see cref="AddIssueCore(IServiceCollection, Action{IssueCoreOptions}?)"/> and an adapter).</param>
    /// <param name="configuration">The configuration section holding <see cref="EnhanceApplicationOptions"/>.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreWorker(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddIssueCoreWorker();
        services.AddOptions<EnhanceApplicationOptions>().Bind(configuration);
        return services;
    }

    /// <summary>
    /// Registers a host agent under <paramref name="name"/> (a keyed singleton <see cref="IAgent"/>). It replaces a
    /// Blueprint agent of the same name, whatever its kind: this is how a host supplies, for example, its own
    /// <c>patch-spawner</c>. Registering the same name again replaces the earlier registration.
    /// </summary>
    /// <typeparam name="TAgent">The agent type, created by the container.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The agent name that step <c>ref</c>s use.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreAgent<TAgent>(this IServiceCollection services, string name)
        where TAgent : class, IAgent
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        services.RemoveAllKeyed<IAgent>(name);
        services.AddKeyedSingleton<IAgent, TAgent>(name);
        services.AddHostAgentName(name);
        return services;
    }

    /// <summary>Registers an agent instance under <paramref name="name"/>; see <see cref="AddIssueCoreAgent{TAgent}(IServiceCollection, string)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The agent name that step <c>ref</c>s use.</param>
    /// <param name="agent">The agent.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreAgent(this IServiceCollection services, string name, IAgent agent)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(agent);
        services.RemoveAllKeyed<IAgent>(name);
        services.AddKeyedSingleton(name, agent);
        services.AddHostAgentName(name);
        return services;
    }

    /// <summary>Adds agent middleware; middleware runs in registration order, after the built-in tracing and logging.</summary>
    /// <typeparam name="TMiddleware">The middleware type, created by the container as a singleton.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreAgentMiddleware<TMiddleware>(this IServiceCollection services)
        where TMiddleware : class, IAgentMiddleware
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IAgentMiddleware, TMiddleware>();
        return services;
    }

    /// <summary>
    /// Runs the <see cref="EnhanceApplication"/> dispatcher in the host: a hosted service that calls
    /// <see cref="EnhanceApplication.RunAsync"/> from start until the host stops. Separate from
    /// <see cref="AddIssueCore(IServiceCollection, Action{IssueCoreOptions}?)"/> so that a node can ingest issues without dispatching them. Calling it again only
    /// applies <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection (with <see cref="AddIssueCore(IServiceCollection, Action{IssueCoreOptions}?)"/> and an adapter).</param>
    /// <param name="configure">Configures the dispatcher (poll interval, lease, retry budget, back-off).</param>
    /// <returns>The same collection, for chaining.</returns>
#pragma warning disable RS0027 // the IConfiguration overload is told apart by type; only a bare null is ambiguous
    public static IServiceCollection AddIssueCoreWorker(this IServiceCollection services, Action<EnhanceApplicationOptions>? configure = null)
#pragma warning restore RS0027
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddIssueCore();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (!services.Any(d => d.ServiceType == typeof(EnhanceWorkerMarker)))
        {
            services.AddSingleton<EnhanceWorkerMarker>();
            services.AddHostedService(sp => new EnhanceWorker(sp.GetRequiredService<EnhanceApplication>()));
        }

        return services;
    }

    /// <summary>
    /// Registers a verifier axis under <paramref name="name"/> (a keyed singleton <see cref="IVerifierAxis"/>), so an
    /// enhance setting can list it in <see cref="EnhanceSetting.VerifierAxes"/>. Registering a built-in name
    /// (<c>des</c>, <c>canonical</c>, <c>noop</c>, <c>agent-ref</c>) or a name again replaces the earlier axis.
    /// </summary>
    /// <typeparam name="TAxis">The axis type, created by the container.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The axis name.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreVerifierAxis<TAxis>(this IServiceCollection services, string name)
        where TAxis : class, IVerifierAxis
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        services.RemoveAllKeyed<IVerifierAxis>(name);
        services.AddKeyedSingleton<IVerifierAxis, TAxis>(name);
        return services;
    }

    /// <summary>Registers a verifier axis instance under <paramref name="name"/>; see <see cref="AddIssueCoreVerifierAxis{TAxis}(IServiceCollection, string)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The axis name.</param>
    /// <param name="axis">The axis.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreVerifierAxis(this IServiceCollection services, string name, IVerifierAxis axis)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(axis);
        services.RemoveAllKeyed<IVerifierAxis>(name);
        services.AddKeyedSingleton(name, axis);
        return services;
    }

    private static void AddEnhance(IServiceCollection services)
    {
        services.AddOptions<EnhanceApplicationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EnhanceApplicationOptions>, EnhanceApplicationOptionsValidator>());
        TryAddAxis<DesVerifierAxis>(services, BuiltInVerifierAxes.Des);
        TryAddAxis<CanonicalVerifierAxis>(services, BuiltInVerifierAxes.Canonical);
        TryAddAxis<NoopVerifierAxis>(services, BuiltInVerifierAxes.Noop);
        TryAddAxis<AgentRefVerifierAxis>(services, BuiltInVerifierAxes.AgentRef);
        services.TryAddSingleton(sp => new VerifierHost(sp));
        services.TryAddSingleton(sp => new FlowSeriesGuard(sp.GetService<IEnhanceSettingStore>(), sp.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value.SettingId));
        if (!services.Any(d => d.ServiceType == typeof(IAgent) && d.IsKeyedService && Equals(d.ServiceKey, VerifierRouterAgent.AgentName)))
        {
            services.AddKeyedSingleton<IAgent>(VerifierRouterAgent.AgentName, (sp, _) => new VerifierRouterAgent(sp.GetRequiredService<VerifierHost>()));
            services.AddHostAgentName(VerifierRouterAgent.AgentName);
        }

        PatchSpawnerSelector.TryRegister(services);
        services.TryAddSingleton(sp => new DispatchSignal(Math.Max(1, sp.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value.MaxConcurrentDispatches)));
        services.TryAddSingleton(sp =>
        {
            // Options first: a host with an invalid option must not write an issue it cannot dispatch.
            EngineServices.ValidateOptions(sp, dispatch: true);
            return new EnhanceApplication(
                EngineServices.RequirePort<IIssueStore>(sp),
                EngineServices.RequirePort<IBlueprintStore>(sp),
                EngineServices.RequirePort<IEnhanceSettingStore>(sp),
                EngineServices.RequirePort<IEnhanceLogStore>(sp),
                sp.GetRequiredService<TaskLaunchService>(),
                sp.GetRequiredService<VerifierHost>(),
                sp.GetRequiredService<IOptions<EnhanceApplicationOptions>>(),
                sp.GetRequiredService<TimeProvider>(),
                LoggerOf<EnhanceApplication>(sp),
                sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
                sp.GetRequiredService<DispatchSignal>(),
                sp.GetRequiredService<PatchSpawnerSelector>());
        });
    }

    private static void TryAddAxis<TAxis>(IServiceCollection services, string name)
        where TAxis : class, IVerifierAxis
    {
        if (!services.Any(d => d.ServiceType == typeof(IVerifierAxis) && d.IsKeyedService && Equals(d.ServiceKey, name)))
        {
            services.AddKeyedSingleton<IVerifierAxis, TAxis>(name);
        }
    }

    // Logging is optional: without AddLogging the engine logs nothing instead of failing to resolve.
    private static ILogger<T> LoggerOf<T>(IServiceProvider services)
        => (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<T>();

    private static void AddHostAgentName(this IServiceCollection services, string name)
    {
        var registration = new HostAgentRegistration(name);
        if (!services.Any(d => d.ServiceType == typeof(HostAgentRegistration) && Equals(d.ImplementationInstance, registration)))
        {
            services.AddSingleton(registration);
        }
    }

    private static void RemoveAllKeyed<T>(this IServiceCollection services, string key)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(T) && services[i].IsKeyedService && Equals(services[i].ServiceKey, key))
            {
                services.RemoveAt(i);
            }
        }
    }
}
