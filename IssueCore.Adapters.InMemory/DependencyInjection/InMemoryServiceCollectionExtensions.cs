using IssueCore.Adapters.InMemory;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.DependencyInjection;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the in-memory adapters.</summary>
public static class InMemoryServiceCollectionExtensions
{
    /// <summary>
    /// Stores every IssueCore port in memory (singletons, one per container). Replaces any store
    /// registered before, so it wins in any order; adds <see cref="TimeProvider.System"/> unless a
    /// <see cref="TimeProvider"/> is already registered.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection UseInMemory(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        AdapterPorts.Register<IIssueStore>(services, sp => new InMemoryIssueStore(sp.GetRequiredService<TimeProvider>()));
        AdapterPorts.Register<IBlueprintStore>(services, sp => new InMemoryBlueprintStore(sp.GetRequiredService<TimeProvider>()));
        AdapterPorts.Register<IEnhanceSettingStore>(services, sp => new InMemoryEnhanceSettingStore(sp.GetRequiredService<TimeProvider>()));
        AdapterPorts.Register<IEnhanceLogStore>(services, sp => new InMemoryEnhanceLogStore(sp.GetRequiredService<TimeProvider>()));
        AdapterPorts.Register<ICouncilRepository>(services, sp => new InMemoryCouncilRepository(sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
