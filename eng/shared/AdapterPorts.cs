using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.DependencyInjection;

/// <summary>
/// How a bundled adapter (UseInMemory, UseSqlite, UsePostgres) registers a port so that a host's own registration of
/// that port wins whatever the order: the adapter replaces a port that an adapter registered (switching adapters
/// works), and leaves alone a port the host registered, before or after. Compiled into each adapter from one source.
/// </summary>
internal static class AdapterPorts
{
    /// <summary>The key under which an adapter remembers the descriptors it added (a marker, never resolved).</summary>
    private const string OwnedKey = "IssueCore.AdapterPort";

    public static void Register<TPort>(IServiceCollection services, Func<IServiceProvider, TPort> factory)
        where TPort : class
    {
        var markers = services
            .Where(d => d.ServiceType == typeof(ServiceDescriptor) && d.IsKeyedService && Equals(d.ServiceKey, OwnedKey))
            .ToList();
        var current = services.Where(d => d.ServiceType == typeof(TPort) && !d.IsKeyedService).ToList();
        if (current.Any(d => !markers.Any(m => ReferenceEquals(m.KeyedImplementationInstance, d))))
        {
            return; // the host registered its own TPort: it is kept, whether it came before or after the adapter
        }

        foreach (var descriptor in current)
        {
            services.Remove(descriptor);
            services.Remove(markers.First(m => ReferenceEquals(m.KeyedImplementationInstance, descriptor)));
        }

        var added = ServiceDescriptor.Singleton(factory);
        services.Add(added);
        services.Add(new ServiceDescriptor(typeof(ServiceDescriptor), OwnedKey, added));
    }
}
