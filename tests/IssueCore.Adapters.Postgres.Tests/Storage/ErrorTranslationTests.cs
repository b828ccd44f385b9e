using IssueCore.Issues;
using Npgsql;

namespace IssueCore.Adapters.Postgres.Tests.Storage;

public sealed class ErrorTranslationTests
{
    [Fact]
    public async Task An_unreachable_server_surfaces_as_a_StorageException_with_the_provider_error_inside()
    {
        _ = PostgresTestSchema.RequireConnectionString();
        // Port 1 on the loopback refuses connections at once.
        await using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=postgres;Timeout=5");
        var store = new PostgresIssueStore(new PostgresDatabase(dataSource, new PostgresStoreOptions { Schema = "unreachable" }));

        var ex = await Assert.ThrowsAsync<StorageException>(() => store.FindAsync(IssueId.Parse("x")));

        Assert.IsAssignableFrom<NpgsqlException>(ex.InnerException);
    }

    [Fact]
    public async Task A_unique_violation_becomes_a_ConflictException_and_other_server_errors_a_StorageException()
    {
        var schema = new PostgresTestSchema();
        await using (schema)
        {
            var db = await schema.CreateDatabaseAsync(TimeProvider.System);
            await using var command = db.DataSource.CreateCommand($"INSERT INTO \"{schema.Name}\".enhance_settings VALUES ('a', '{{}}', now())");
            await command.ExecuteNonQueryAsync();

            var unique = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            var syntax = await Assert.ThrowsAsync<PostgresException>(() => db.DataSource.CreateCommand("SELEC 1").ExecuteNonQueryAsync());

            var conflict = Assert.IsType<ConflictException>(Postgres.Storage.PostgresErrors.Translate(unique, "store"));
            var storage = Assert.IsType<StorageException>(Postgres.Storage.PostgresErrors.Translate(syntax, "store"));
            Assert.Same(unique, conflict.InnerException);
            Assert.Same(syntax, storage.InnerException);
        }
    }

    [Fact]
    public async Task A_cancelled_operation_throws_OperationCanceledException()
    {
        var schema = new PostgresTestSchema();
        await using (schema)
        {
            var store = new PostgresIssueStore(await schema.CreateDatabaseAsync(TimeProvider.System));
            using var cts = new CancellationTokenSource();
            await cts.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ClaimNextAsync("w", TimeSpan.FromSeconds(1), cts.Token));
        }
    }
}
