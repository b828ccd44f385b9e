using IssueCore;
using IssueCore.Agents;
using IssueCore.DependencyInjection;
using IssueCore.Launch;
using IssueCore.Scripting;
using IssueCore.Security;
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
    /// role/verb gate, <see cref="TaskLaunchService"/>, the built-in tracing and logging agent middleware, and a
    /// hosted service that marks interrupted runs at start. Options are validated at start. A second call only
    /// applies <paramref name="configure"/>. Chain an adapter for the stores, for example <c>.UseInMemory()</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options (for example the signing key).</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCore(this IServiceCollection services, Action<IssueCoreOptions>? configure = null)
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
        services.TryAddSingleton(sp => new LuaScriptExecutor(
            sp.GetService<IOptions<LuaScriptExecutorOptions>>()?.Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IScriptExecutor>(sp => sp.GetRequiredService<LuaScriptExecutor>());
        services.TryAddSingleton<SigningKeyProvider>();
        services.TryAddSingleton<RoleVerbGate>();
        services.TryAddSingleton(sp => new AgentBinder(sp, sp.GetServices<HostAgentRegistration>(), sp.GetServices<IAgentMiddleware>()));
        services.TryAddSingleton(sp => new TaskLaunchService(
            sp.GetRequiredService<AgentBinder>(),
            sp.GetRequiredService<RoleVerbGate>(),
            sp.GetRequiredService<IssueCore.Council.ICouncilRepository>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<IssueCoreOptions>>(),
            LoggerOf<TaskLaunchService>(sp)));

        // Built-in middleware first, so it is outermost; host middleware follows in registration order.
        services.AddSingleton<IAgentMiddleware, TracingAgentMiddleware>();
        services.AddSingleton<IAgentMiddleware>(sp => new LoggingAgentMiddleware(LoggerOf<LoggingAgentMiddleware>(sp)));
        services.AddHostedService(sp => new InterruptedRunsRecoveryService(
            sp.GetRequiredService<TaskLaunchService>(),
            sp.GetRequiredService<IOptions<IssueCoreOptions>>(),
            LoggerOf<InterruptedRunsRecoveryService>(sp)));
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
