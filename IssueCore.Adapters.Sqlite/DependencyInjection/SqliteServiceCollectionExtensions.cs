using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.DependencyInjection;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite stores.</summary>
public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Stores everything in one SQLite file: registers <see cref="IIssueStore"/>,
    /// <see cref="IBlueprintStore"/>, <see cref="IEnhanceSettingStore"/>, <see cref="IEnhanceLogStore"/>
    /// and <see cref="ICouncilRepository"/> over one shared <see cref="SqliteDatabase"/>, replacing any
    /// earlier registration of those ports. The clock is the registered <see cref="TimeProvider"/>, or
    /// <see cref="TimeProvider.System"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=issuecore.db</c>.</param>
    /// <returns>The same collection, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    public static IServiceCollection UseSqlite(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.UseSqlite(o => o.ConnectionString = connectionString);
    }

    /// <summary>Stores everything in one SQLite file configured by <paramref name="configure"/>; see <see cref="UseSqlite(IServiceCollection, string)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the connection string and other options; they are validated here.</param>
    /// <returns>The same collection, for chaining.</returns>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public static IServiceCollection UseSqlite(this IServiceCollection services, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SqliteStoreOptions();
        configure(options);
        options.Validate();

        services.Replace(ServiceDescriptor.Singleton(sp => new SqliteDatabase(options, sp.GetService<TimeProvider>())));
        AdapterPorts.Register<IIssueStore>(services, sp => new SqliteIssueStore(sp.GetRequiredService<SqliteDatabase>()));
        AdapterPorts.Register<IBlueprintStore>(services, sp => new SqliteBlueprintStore(sp.GetRequiredService<SqliteDatabase>()));
        AdapterPorts.Register<IEnhanceSettingStore>(services, sp => new SqliteEnhanceSettingStore(sp.GetRequiredService<SqliteDatabase>()));
        AdapterPorts.Register<IEnhanceLogStore>(services, sp => new SqliteEnhanceLogStore(sp.GetRequiredService<SqliteDatabase>()));
        AdapterPorts.Register<ICouncilRepository>(services, sp => new SqliteCouncilRepository(sp.GetRequiredService<SqliteDatabase>()));
        return services;
    }
}
