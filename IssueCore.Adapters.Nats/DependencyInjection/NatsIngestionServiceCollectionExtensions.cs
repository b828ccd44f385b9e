using IssueCore.Adapters.Nats.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the NATS JetStream ingestion consumer.</summary>
public static class NatsIngestionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the hosted JetStream consumer that ingests requests published on
    /// <see cref="NatsIngestionOptions.FilterSubject"/> through the one ingestion path, and
    /// <c>AddIssueCoreIngestion()</c> (a no-op when already called). Options are validated when the
    /// host starts. An issue store must be registered, for example with <c>UseInMemory()</c>.
    /// Calling this twice registers one consumer; the second call's <paramref name="configure"/> also applies.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="services"/>, to chain an adapter.</returns>
    public static IServiceCollection AddIssueCoreNatsIngestion(this IServiceCollection services, Action<NatsIngestionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddIssueCoreIngestion();
        var options = services.AddOptions<NatsIngestionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NatsIngestionOptions>, NatsIngestionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NatsIngestionWorker>());
        return services;
    }
}
