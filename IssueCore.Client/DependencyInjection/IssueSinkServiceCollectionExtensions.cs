using IssueCore.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the issue sink.</summary>
public static class IssueSinkServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IIssueSink"/> as the sink <see cref="IssueSinkOptions.Sink"/> selects:
    /// <see cref="NullIssueSink"/> (the default, a dry run) or <see cref="HttpIssueSink"/> over the
    /// named client <see cref="HttpIssueSink.HttpClientName"/>. Options are validated at start; the
    /// rest sink needs a base address and an API key. Existing registrations are kept (TryAdd).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options (for example bound from configuration).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddIssueSink(this IServiceCollection services, Action<IssueSinkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<IssueSinkOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IssueSinkOptions>, IssueSinkOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(HttpIssueSink.HttpClientName);
        services.TryAddSingleton(sp => new NullIssueSink(
            sp.GetRequiredService<IOptions<IssueSinkOptions>>().Value.NullSinkHistoryLimit,
            sp.GetService<ILogger<NullIssueSink>>()));
        services.TryAddSingleton<IIssueSink>(sp =>
        {
            var value = sp.GetRequiredService<IOptions<IssueSinkOptions>>().Value;
            if (value.Sink != IssueSinkKind.Rest)
            {
                return sp.GetRequiredService<NullIssueSink>();
            }

            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return new HttpIssueSink(
                () => factory.CreateClient(HttpIssueSink.HttpClientName),
                value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILogger<HttpIssueSink>>());
        });
        return services;
    }
}
