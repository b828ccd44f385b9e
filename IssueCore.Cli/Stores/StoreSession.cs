using IssueCore.Adapters.Postgres;
using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Cli.Stores;

/// <summary>
/// One open store: the IssueCore engine wired to SQLite or PostgreSQL as a host wires it. Only <c>db migrate</c>
/// installs or upgrades the schema; every other command opens the store as it is and reports a schema other than
/// the library's instead of changing it.
/// </summary>
internal sealed class StoreSession : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private StoreSession(StoreTarget target, ServiceProvider provider)
    {
        Target = target;
        _provider = provider;
    }

    public StoreTarget Target { get; }

    public IBlueprintStore Blueprints => _provider.GetRequiredService<IBlueprintStore>();

    public IIssueStore Issues => _provider.GetRequiredService<IIssueStore>();

    public IEnhanceLogStore Log => _provider.GetRequiredService<IEnhanceLogStore>();

    public IEnhanceSettingStore Settings => _provider.GetRequiredService<IEnhanceSettingStore>();

    public ICouncilRepository Runs => _provider.GetRequiredService<ICouncilRepository>();

    public EnhanceApplication Application => _provider.GetRequiredService<EnhanceApplication>();

    /// <summary>The schema version this build of the tool writes and reads.</summary>
    public int LatestSchemaVersion => Target.Kind == StoreKind.Sqlite ? SqliteSchema.LatestVersion : PostgresSchema.LatestVersion;

    /// <summary>Opens a store.</summary>
    /// <param name="target">The store.</param>
    /// <param name="migrate">Whether the schema may be installed or upgraded (and a SQLite file created).</param>
    /// <exception cref="CliException">A SQLite file that does not exist when <paramref name="migrate"/> is off; a malformed connection string.</exception>
    public static StoreSession Open(StoreTarget target, bool migrate)
    {
        var services = new ServiceCollection();
        var issueCore = services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true); // tokens the tool issues live only as long as the process
        try
        {
            if (target.Kind == StoreKind.Sqlite)
            {
                if (!migrate && !File.Exists(target.Value))
                {
                    throw new CliException(ExitCodes.NotFound, $"No database file {target.Display}. Create it with: issuecore db migrate --db {target.Value}");
                }

                var connection = new SqliteConnectionStringBuilder { DataSource = target.Value }.ToString();
                issueCore.UseSqlite(o =>
                {
                    o.ConnectionString = connection;
                    o.AutoMigrate = migrate;
                });
            }
            else
            {
                issueCore.UsePostgres(o =>
                {
                    o.ConnectionString = target.Value;
                    o.Schema = target.Schema;
                    o.ApplyMigrations = migrate;
                });
            }
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ExitCodes.Usage, $"The store {target.Display} cannot be used: {ex.Message}");
        }

        return new StoreSession(target, services.BuildServiceProvider());
    }

    /// <summary>The schema version the store is at (0 when nothing is installed).</summary>
    public Task<int> SchemaVersionAsync(CancellationToken cancellationToken)
        => Target.Kind == StoreKind.Sqlite
            ? _provider.GetRequiredService<SqliteDatabase>().GetSchemaVersionAsync(cancellationToken)
            : _provider.GetRequiredService<PostgresDatabase>().GetSchemaVersionAsync(cancellationToken);

    /// <summary>Installs or upgrades the schema.</summary>
    public Task MigrateAsync(CancellationToken cancellationToken)
        => Target.Kind == StoreKind.Sqlite
            ? _provider.GetRequiredService<SqliteDatabase>().MigrateAsync(cancellationToken)
            : _provider.GetRequiredService<PostgresDatabase>().MigrateAsync(cancellationToken);

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
