using IssueCore.Agents;
using IssueCore.Enhance;
using IssueCore.Enhance.Spawning;
using IssueCore.Scripting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // extension methods live in the DI namespace by convention
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers patch spawners: what turns an issue without a patch into a proposed one.</summary>
public static class IssueCorePatchSpawnerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TSpawner"/> (a singleton created by the container) as the patch spawner of every
    /// enhance setting without its own. The built-in flow's <c>patch-spawner</c> step then hands every issue without a
    /// patch to the spawner of the setting the dispatcher runs under (<see cref="EnhanceApplicationOptions.SettingId"/>);
    /// an issue with a patch keeps the built-in path. Registering again replaces the earlier spawner. A host agent
    /// registered under <c>patch-spawner</c> with <c>AddIssueCoreAgent</c> wins over every spawner, in either order.
    /// </summary>
    /// <typeparam name="TSpawner">The spawner type.</typeparam>
    /// <param name="services">The service collection (with <c>AddIssueCore()</c>).</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCorePatchSpawner<TSpawner>(this IServiceCollection services)
        where TSpawner : class, IPatchSpawner
        => services.AddSpawner<TSpawner>(null);

    /// <summary>
    /// Registers <typeparamref name="TSpawner"/> as the patch spawner of the enhance setting <paramref name="settingId"/>
    /// only; it wins over a spawner registered for every setting. See <see cref="AddIssueCorePatchSpawner{TSpawner}(IServiceCollection)"/>.
    /// </summary>
    /// <typeparam name="TSpawner">The spawner type.</typeparam>
    /// <param name="services">The service collection (with <c>AddIssueCore()</c>).</param>
    /// <param name="settingId">The setting served.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCorePatchSpawner<TSpawner>(this IServiceCollection services, EnhanceSettingId settingId)
        where TSpawner : class, IPatchSpawner
        => services.AddSpawner<TSpawner>(settingId.Value);

    /// <summary>Registers a spawner instance for every setting without its own; see <see cref="AddIssueCorePatchSpawner{TSpawner}(IServiceCollection)"/>.</summary>
    /// <param name="services">The service collection (with <c>AddIssueCore()</c>).</param>
    /// <param name="spawner">The spawner.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCorePatchSpawner(this IServiceCollection services, IPatchSpawner spawner)
        => services.AddSpawner(spawner, null);

    /// <summary>Registers a spawner instance for one setting; see <see cref="AddIssueCorePatchSpawner{TSpawner}(IServiceCollection, EnhanceSettingId)"/>.</summary>
    /// <param name="services">The service collection (with <c>AddIssueCore()</c>).</param>
    /// <param name="spawner">The spawner.</param>
    /// <param name="settingId">The setting served.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCorePatchSpawner(this IServiceCollection services, IPatchSpawner spawner, EnhanceSettingId settingId)
        => services.AddSpawner(spawner, settingId.Value);

    private static IServiceCollection AddSpawner<TSpawner>(this IServiceCollection services, string? settingId)
        where TSpawner : class, IPatchSpawner
    {
        ArgumentNullException.ThrowIfNull(services);
        var registration = new PatchSpawnerRegistration(settingId);
        services.RemoveSpawner(registration);
        services.AddKeyedSingleton<IPatchSpawner, TSpawner>(registration.Key);
        return services.AddSpawnerStep(registration);
    }

    private static IServiceCollection AddSpawner(this IServiceCollection services, IPatchSpawner spawner, string? settingId)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(spawner);
        var registration = new PatchSpawnerRegistration(settingId);
        services.RemoveSpawner(registration);
        services.AddKeyedSingleton(registration.Key, spawner);
        return services.AddSpawnerStep(registration);
    }

    private static IServiceCollection AddSpawnerStep(this IServiceCollection services, PatchSpawnerRegistration registration)
    {
        services.AddSingleton(registration);
        PatchSpawnerSelector.TryRegister(services);

        // The step is a host agent named like the built-in one; a host's own agent of that name stays in place.
        if (!services.Any(d => d.ServiceType == typeof(IAgent) && d.IsKeyedService && Equals(d.ServiceKey, PatchSpawnerSelector.AgentName)))
        {
            services.AddKeyedSingleton<IAgent>(PatchSpawnerSelector.AgentName, (sp, _) => new PatchSpawnerAgent(
                sp.GetRequiredService<IScriptExecutor>(),
                sp.GetRequiredService<PatchSpawnerSelector>(),
                sp.GetService<IOptions<EnhanceApplicationOptions>>()?.Value.SettingId ?? EnhanceSettingId.Default,
                (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<PatchSpawnerAgent>()));
        }

        var name = new HostAgentRegistration(PatchSpawnerSelector.AgentName);
        if (!services.Any(d => d.ServiceType == typeof(HostAgentRegistration) && Equals(d.ImplementationInstance, name)))
        {
            services.AddSingleton(name);
        }

        return services;
    }

    private static void RemoveSpawner(this IServiceCollection services, PatchSpawnerRegistration registration)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var d = services[i];
            if ((d.ServiceType == typeof(IPatchSpawner) && d.IsKeyedService && Equals(d.ServiceKey, registration.Key))
                || (d.ServiceType == typeof(PatchSpawnerRegistration) && Equals(d.ImplementationInstance, registration)))
            {
                services.RemoveAt(i);
            }
        }
    }
}
