using IssueCore.Adapters.Nats;
using IssueCore.Adapters.Nats.Sinks;
using IssueCore.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the NATS issue sink.</summary>
public static class NatsIssueSinkServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="NatsIssueSink"/> as the <see cref="IIssueSink"/>, replacing any sink
    /// registered before (so it wins over <c>AddIssueSink()</c> in any order), over a NATS connection
    /// to <see cref="NatsIssueSinkOptions.Url"/> that the container owns and disposes.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddIssueCoreNatsIssueSink(this IServiceCollection services, Action<NatsIssueSinkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<NatsIssueSinkOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => NatsIssueSinkOptionsValidator.Failures(o).Count == 0, "NatsIssueSinkOptions are invalid: check Url, Security, SubjectPrefix, ExpectedStream, AckTimeout, MaxAttempts and RetryDelay.");
        options.ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var value = sp.GetRequiredService<IOptions<NatsIssueSinkOptions>>().Value;
            return new NatsSinkConnection(new NatsConnection(NatsConnectionOptions.Build(
                value.Url, "issue-core-sink", value.Security, sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance)));
        });
        services.Replace(ServiceDescriptor.Singleton<IIssueSink>(sp => new NatsIssueSink(
            sp.GetRequiredService<NatsSinkConnection>().Connection,
            sp.GetRequiredService<IOptions<NatsIssueSinkOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<NatsIssueSink>>())));
        return services;
    }
}
