using IssueCore.Blueprints;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Schema;

public sealed class SchemaMigrationTests : IAsyncLifetime
{
    private readonly PostgresTestSchema _schema = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Two_hosts_migrating_the_same_schema_at_once_both_succeed_and_apply_each_migration_once()
    {
        var first = _schema.NewDatabase(_time);
        var second = _schema.NewDatabase(_time);
        // Open both pools first so the two migrations reach the server together.
        await (await first.DataSource.OpenConnectionAsync()).DisposeAsync();
        await (await second.DataSource.OpenConnectionAsync()).DisposeAsync();
        using var start = new ManualResetEventSlim();

        var racing = new[] { first, second }.Select(db => Task.Run(async () =>
        {
            start.Wait();
            await db.MigrateAsync();
        })).ToArray();
        start.Set();
        await Task.WhenAll(racing);

        Assert.Equal(PostgresSchema.LatestVersion, await first.GetSchemaVersionAsync());
        Assert.Equal(PostgresSchema.LatestVersion, await _schema.ScalarAsync<long>("SELECT count(*) FROM {schema}.schema_migrations"));
        var created = await new PostgresIssueStore(second).CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("b"), Intent = "works" });
        Assert.True(created.Created);
    }

    [Fact]
    public async Task Stores_install_the_schema_before_their_first_operation()
    {
        var store = new PostgresIssueStore(_schema.NewDatabase(_time));

        var found = await store.FindAsync(IssueId.Parse("nothing"));

        Assert.Null(found);
        Assert.Equal(PostgresSchema.LatestVersion, await _schema.ScalarAsync<int>("SELECT max(version) FROM {schema}.schema_migrations"));
    }

    [Fact]
    public async Task A_schema_newer_than_the_library_is_refused_with_a_clear_message()
    {
        await _schema.CreateDatabaseAsync(_time);
        await _schema.ExecuteAsync($"INSERT INTO {{schema}}.schema_migrations (version, name, applied_at) VALUES ({PostgresSchema.LatestVersion + 1}, 'future', now())");
        var store = new PostgresIssueStore(_schema.NewDatabase(_time));

        var ex = await Assert.ThrowsAsync<StorageException>(() => store.FindAsync(IssueId.Parse("x")));

        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_schema.Name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_automatic_migrations_a_missing_schema_is_refused_until_the_DBA_script_is_applied()
    {
        var store = new PostgresIssueStore(_schema.NewDatabase(_time, applyMigrations: false));

        var ex = await Assert.ThrowsAsync<StorageException>(() => store.FindAsync(IssueId.Parse("x")));
        Assert.Contains(nameof(PostgresSchema.GetMigrationScript), ex.Message, StringComparison.Ordinal);

        await _schema.ExecuteAsync(PostgresSchema.GetMigrationScript(_schema.Name));
        var created = await store.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("b"), Intent = "after the script" });

        Assert.True(created.Created);
        Assert.Equal(PostgresSchema.LatestVersion, await _schema.ScalarAsync<int>("SELECT max(version) FROM {schema}.schema_migrations"));
    }

    [Fact]
    public void An_invalid_schema_name_is_refused()
    {
        Assert.Throws<ValidationException>(() => PostgresSchema.GetMigrationScript("Robert\"; DROP TABLE x; --"));
        Assert.Throws<ValidationException>(() => new PostgresStoreOptions { Schema = "UpperCase" }.Validate());
    }
}
