using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class InfrastructureTests
{
    [Fact]
    public async Task A_write_blocked_past_the_busy_timeout_fails_with_a_StorageException_keeping_the_provider_error()
    {
        await using var temp = new TempDatabase();
        var database = temp.Open(configure: o => o.BusyTimeout = TimeSpan.FromMilliseconds(50));
        var store = new SqliteIssueStore(database);
        await database.MigrateAsync();
        await using var blocker = await temp.OpenRawAsync();
        using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            await begin.ExecuteNonQueryAsync();
        }

        var ex = await Assert.ThrowsAsync<StorageException>(() => store.CreateAsync(Samples.Draft()));

        Assert.IsType<SqliteException>(ex.InnerException);
        using (var rollback = blocker.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }

        Assert.True((await store.CreateAsync(Samples.Draft())).Created);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_fails_with_a_StorageException()
    {
        await using var temp = new TempDatabase();
        await File.WriteAllTextAsync(temp.FilePath, new string('x', 8192));

        var ex = await Assert.ThrowsAsync<StorageException>(() => temp.Open().MigrateAsync());

        Assert.IsType<SqliteException>(ex.InnerException);
    }

    [Fact]
    public async Task A_cancelled_token_stops_the_call_before_anything_is_written()
    {
        await using var temp = new TempDatabase();
        var store = new SqliteIssueStore(temp.Open());
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.CreateAsync(Samples.Draft(), cts.Token));

        Assert.Empty((await store.ListAsync(new IssueQuery())).Items);
    }

    [Fact]
    public async Task UseSqlite_registers_all_five_ports_over_one_shared_database()
    {
        // A store the host registers itself is kept, in either order (see the engine's registration tests).
        await using var temp = new TempDatabase();
        var services = new ServiceCollection();

        services.UseSqlite(temp.ConnectionString);
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<SqliteIssueStore>(provider.GetRequiredService<IIssueStore>());
        Assert.IsType<SqliteBlueprintStore>(provider.GetRequiredService<IBlueprintStore>());
        Assert.IsType<SqliteEnhanceSettingStore>(provider.GetRequiredService<IEnhanceSettingStore>());
        Assert.IsType<SqliteEnhanceLogStore>(provider.GetRequiredService<IEnhanceLogStore>());
        Assert.IsType<SqliteCouncilRepository>(provider.GetRequiredService<ICouncilRepository>());
        Assert.Single(services, d => d.ServiceType == typeof(IIssueStore));
        Assert.Same(provider.GetRequiredService<SqliteDatabase>(), provider.GetRequiredService<SqliteDatabase>());
        var created = await provider.GetRequiredService<IIssueStore>().CreateAsync(Samples.Draft());
        Assert.True(created.Created);
    }

    [Fact]
    public void UseSqlite_refuses_invalid_options_at_registration()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentException>(() => services.UseSqlite(o => o.ConnectionString = ""));
        Assert.Throws<ArgumentException>(() => services.UseSqlite(o =>
        {
            o.ConnectionString = "Data Source=x.db";
            o.BusyTimeout = TimeSpan.FromSeconds(-1);
        }));
        Assert.Throws<ArgumentException>(() => new SqliteDatabase(new SqliteStoreOptions { ConnectionString = "Data Source=:memory:" }));
    }

    [Fact]
    public async Task The_clock_comes_from_the_registered_time_provider()
    {
        await using var temp = new TempDatabase();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time).UseSqlite(temp.ConnectionString);
        await using var provider = services.BuildServiceProvider();

        var created = await provider.GetRequiredService<IIssueStore>().CreateAsync(Samples.Draft());

        Assert.Equal(time.GetUtcNow(), created.Issue.CreatedAt);
    }
}
