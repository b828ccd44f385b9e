using IssueCore.Enhance;
using IssueCore.Enhance.Governance;
using IssueCore.Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers IssueCore ingestion.</summary>
public static class IssueCoreIngestionServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IIssueIngestionService"/>, the default <see cref="IBlueprintResolver"/>
    /// (the target name as the Blueprint id) and <see cref="TimeProvider.System"/>, each only when
    /// not registered yet, so calling this twice is harmless and your own registrations win. The
    /// options are validated when the host starts. An <c>IIssueStore</c> must be registered
    /// (for example with <c>UseInMemory()</c>). A request whose target is a flow series (the built-in
    /// <c>enhance-default</c> series, or the orbit series of the enhance setting named by
    /// <c>EnhanceApplicationOptions.SettingId</c>) is refused with a <see cref="IssueCore.ValidationException"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/>.</param>
    /// <returns><paramref name="services"/>, to chain an adapter.</returns>
#pragma warning disable RS0027 // the IConfiguration overload is told apart by type; only a bare null is ambiguous
    public static IServiceCollection AddIssueCoreIngestion(this IServiceCollection services, Action<IssueIngestionOptions>? configure = null)
#pragma warning restore RS0027
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<IssueIngestionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IssueIngestionOptions>, IssueIngestionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IBlueprintResolver, DefaultBlueprintResolver>();
        services.TryAddSingleton(sp => new FlowSeriesGuard(sp.GetService<IEnhanceSettingStore>(), sp.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value.SettingId));
        IssueCore.Enhance.Spawning.PatchSpawnerSelector.TryRegister(services);
        services.TryAddSingleton<IIssueIngestionService>(sp =>
        {
            // Options first (the engine's too, when it is registered): nothing is stored by a host that cannot start.
            IssueCore.DependencyInjection.EngineServices.ValidateOptions(sp, ingestion: true);
            return ActivatorUtilities.CreateInstance<IssueIngestionService>(sp, IssueCore.DependencyInjection.EngineServices.RequirePort<IssueCore.Issues.IIssueStore>(sp));
        });
        return services;
    }

    /// <summary>
    /// Registers ingestion like <see cref="AddIssueCoreIngestion(IServiceCollection, Action{IssueIngestionOptions}?)"/>,
    /// with <see cref="IssueIngestionOptions"/> bound from <paramref name="configuration"/> (for example
    /// <c>configuration.GetSection("IssueCore:Ingestion")</c>: <c>IssueBaseUrl</c>, <c>Backend</c>, <c>MaxBodyBytes</c>,
    /// <c>RequireExistingSeries</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration section holding <see cref="IssueIngestionOptions"/>.</param>
    /// <returns><paramref name="services"/>, to chain an adapter.</returns>
    public static IServiceCollection AddIssueCoreIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddIssueCoreIngestion();
        services.AddOptions<IssueIngestionOptions>().Bind(configuration);
        return services;
    }
}
