using IssueCore;
using IssueCore.Adapters.Postgres;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.DependencyInjection;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL adapter.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Stores issues, Blueprints, enhance settings, the enhance log and flow runs in PostgreSQL, in
    /// the <c>issuecore</c> schema, replacing any other store registration (whatever the order of
    /// calls). One pooled <see cref="NpgsqlDataSource"/> serves every store; the schema installs
    /// itself before the first operation.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <returns>The same service collection, to chain further calls.</returns>
    /// <exception cref="ArgumentException">The connection string is missing or not valid.</exception>
    public static IServiceCollection UsePostgres(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.UsePostgres(o => o.ConnectionString = connectionString);
    }

    /// <summary>
    /// Stores every IssueCore port in PostgreSQL with the given options (connection string, schema,
    /// whether to apply migrations), replacing any other store registration.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; <see cref="PostgresStoreOptions.ConnectionString"/> is required.</param>
    /// <returns>The same service collection, to chain further calls.</returns>
    /// <exception cref="ArgumentException">The connection string is missing or not valid.</exception>
    /// <exception cref="ValidationException">The schema name is not valid.</exception>
    public static IServiceCollection UsePostgres(this IServiceCollection services, Action<PostgresStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new PostgresStoreOptions();
        configure(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("PostgresStoreOptions.ConnectionString is required.", nameof(configure));
        }

        options.Validate();

        // Parse now so a malformed connection string fails at start, not on the first dispatch.
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        // Every option, including any added later, so none is silently lost between registration and resolution.
        var snapshot = options.Snapshot();

        services.RemoveAll<PostgresDatabase>();
        services.AddSingleton(sp => new PostgresDatabase(
            builder.Build(),
            snapshot,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            ownsDataSource: true));
        AdapterPorts.Register<IIssueStore>(services, sp => new PostgresIssueStore(
            sp.GetRequiredService<PostgresDatabase>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<PostgresIssueStore>()));
        AdapterPorts.Register<IBlueprintStore>(services, sp => new PostgresBlueprintStore(sp.GetRequiredService<PostgresDatabase>()));
        AdapterPorts.Register<IEnhanceSettingStore>(services, sp => new PostgresEnhanceSettingStore(sp.GetRequiredService<PostgresDatabase>()));
        AdapterPorts.Register<IEnhanceLogStore>(services, sp => new PostgresEnhanceLogStore(sp.GetRequiredService<PostgresDatabase>()));
        AdapterPorts.Register<ICouncilRepository>(services, sp => new PostgresCouncilRepository(sp.GetRequiredService<PostgresDatabase>()));
        return services;
    }
}
