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
    /// rest sink needs a base address and an API key. Existing registrations are kept (TryAdd). The host's
    /// configuration (environment variables included) is read first: <c>ISSUE_SINK_TYPE</c> (<c>null</c> or
    /// <c>rest</c>), <c>ISSUE_CORE_URL</c> (the base address) and <c>ISSUE_CORE_API_KEY</c>; <paramref name="configure"/>
    /// overrides them.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options (for example bound from configuration).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddIssueSink(this IServiceCollection services, Action<IssueSinkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        // First, so the options delegates below (and of later calls) override what configuration says.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<IssueSinkOptions>, IssueSinkEnvironmentConfiguration>());
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
