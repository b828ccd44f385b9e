using IssueCore.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the issue sink with the HttpClient factory.</summary>
public static class IssueSinkServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IIssueSink"/> as the sink <see cref="IssueSinkOptions.Sink"/> selects:
    /// <see cref="NullIssueSink"/> (the default, a dry run) or <see cref="HttpIssueSink"/> over the named client
    /// <see cref="HttpIssueSink.HttpClientName"/>. That client carries the standard resilience handler of
    /// Microsoft.Extensions.Http.Resilience, configured from the options: <see cref="IssueSinkOptions.MaxAttempts"/> tries in
    /// all (timeouts, connection errors, 408, 429 and 5xx are retried with jittered exponential back-off from
    /// <see cref="IssueSinkOptions.InitialBackoff"/>, a server's <c>Retry-After</c> honoured, each wait at most
    /// <see cref="IssueSinkOptions.MaxBackoff"/>), each attempt limited to <see cref="IssueSinkOptions.AttemptTimeout"/>.
    /// Retrying a <c>POST</c> is safe because the server deduplicates by the triggering event id.
    /// Options are validated at start; the rest sink needs a base address and an API key. Existing registrations are
    /// kept (TryAdd). The host's configuration (environment variables included) is read first: <c>ISSUE_SINK_TYPE</c>
    /// (<c>null</c> or <c>rest</c>), <c>ISSUE_CORE_URL</c> (the base address) and <c>ISSUE_CORE_API_KEY</c>;
    /// <paramref name="configure"/> overrides them.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options (for example bound from configuration).</param>
    /// <returns>
    /// The builder of the sink's named client, to configure it the standard way (more handlers, a primary handler, or
    /// <c>ConfigureHttpClient</c>).
    /// </returns>
    public static IHttpClientBuilder AddIssueSink(this IServiceCollection services, Action<IssueSinkOptions>? configure = null)
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

            // A client per call: the factory rotates the handlers underneath, so DNS changes are picked up.
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return new HttpIssueSink(
                () => factory.CreateClient(HttpIssueSink.HttpClientName),
                value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILogger<HttpIssueSink>>());
        });

        var client = services.AddHttpClient(HttpIssueSink.HttpClientName);
        if (services.Any(d => d.ServiceType == typeof(IssueSinkResilienceMarker)))
        {
            return client; // a second call: the handler is on the client already
        }

        services.AddSingleton<IssueSinkResilienceMarker>();
        client.AddStandardResilienceHandler()
            .Configure((resilience, sp) => Apply(sp.GetRequiredService<IOptions<IssueSinkOptions>>().Value, resilience));
        return client;
    }

    /// <summary>Maps the sink's options onto the standard resilience handler's.</summary>
    internal static void Apply(IssueSinkOptions options, HttpStandardResilienceOptions resilience)
    {
        var attempts = Math.Clamp(options.MaxAttempts, 1, 10);
        resilience.Retry.MaxRetryAttempts = Math.Max(attempts - 1, 1);
        if (attempts == 1)
        {
            resilience.Retry.ShouldHandle = static _ => PredicateResult.False();
        }

        resilience.Retry.BackoffType = DelayBackoffType.Exponential;
        resilience.Retry.UseJitter = true;
        resilience.Retry.Delay = options.InitialBackoff;
        resilience.Retry.MaxDelay = options.MaxBackoff;
        resilience.AttemptTimeout.Timeout = options.AttemptTimeout;

        // Every attempt and every wait fit in the total; the breaker samples over at least two attempts (its rule).
        resilience.TotalRequestTimeout.Timeout = (options.AttemptTimeout * attempts) + (options.MaxBackoff * (attempts - 1)) + TimeSpan.FromSeconds(1);
        var sampling = options.AttemptTimeout * 2;
        if (sampling > resilience.CircuitBreaker.SamplingDuration)
        {
            resilience.CircuitBreaker.SamplingDuration = sampling;
        }
    }
}
