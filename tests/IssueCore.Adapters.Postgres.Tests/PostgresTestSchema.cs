using IssueCore.Adapters.Postgres;
using Npgsql;

namespace IssueCore.Adapters.Postgres.Tests;

/// <summary>
/// A fresh schema with a random name in the test server, dropped on dispose. The server comes from
/// the ISSUECORE_POSTGRES environment variable; without it every test fails and says how to start one.
/// </summary>
internal sealed class PostgresTestSchema : IAsyncDisposable
{
    public const string EnvironmentVariable = "ISSUECORE_POSTGRES";

    private readonly List<NpgsqlDataSource> _dataSources = [];

    public PostgresTestSchema()
    {
        ConnectionString = RequireConnectionString();
        Name = "test_" + Guid.NewGuid().ToString("N")[..20];
    }

    public string ConnectionString { get; }

    public string Name { get; }

    public static string RequireConnectionString()
        => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"The PostgreSQL tests need a server: {EnvironmentVariable} is not set. Start the throwaway test server "
                + "from the repository root with `source .ci/postgres.sh start` (it installs PostgreSQL if needed and exports "
                + $"{EnvironmentVariable}=Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres), run the tests, "
                + "then `.ci/postgres.sh stop`.");

    /// <summary>A new data source (its own connection pool), disposed with the schema.</summary>
    public NpgsqlDataSource NewDataSource()
    {
        var dataSource = NpgsqlDataSource.Create(ConnectionString);
        _dataSources.Add(dataSource);
        return dataSource;
    }

    // The suites drive time with a fake clock, so their leases follow it; the lease clock tests pass Database.
    public PostgresDatabase NewDatabase(TimeProvider timeProvider, bool applyMigrations = true, PostgresLeaseClock leaseClock = PostgresLeaseClock.TimeProvider)
        => new(NewDataSource(), new PostgresStoreOptions { Schema = Name, ApplyMigrations = applyMigrations, LeaseClock = leaseClock }, timeProvider);

    public async Task<PostgresDatabase> CreateDatabaseAsync(TimeProvider timeProvider, PostgresLeaseClock leaseClock = PostgresLeaseClock.TimeProvider)
    {
        var db = NewDatabase(timeProvider, leaseClock: leaseClock);
        await db.MigrateAsync();
        return db;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql.Replace("{schema}", $"\"{Name}\"", StringComparison.Ordinal));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql.Replace("{schema}", $"\"{Name}\"", StringComparison.Ordinal));
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        await ExecuteAsync("DROP SCHEMA IF EXISTS {schema} CASCADE");
    }
}
