using Npgsql;

namespace IssueCore.Throughput;

/// <summary>
/// What a PostgreSQL run writes: the server's WAL position (<c>pg_current_wal_lsn()</c>, so the difference counts every
/// WAL byte the server wrote meanwhile; the server must be this run's alone) and the size of the run's schema (tables,
/// indexes and TOAST).
/// </summary>
internal static class PostgresWal
{
    public const string EnvironmentVariable = "ISSUECORE_POSTGRES";

    public static string ConnectionString => Environment.GetEnvironmentVariable(EnvironmentVariable)
        ?? throw new InvalidOperationException($"Set {EnvironmentVariable} to a PostgreSQL connection string (see .ci/postgres.sh) to measure the postgres adapter.");

    public static async Task<(long WalPosition, long SchemaBytes)> ReadAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, "
            + "coalesce((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE n.nspname = @schema AND c.relkind IN ('r', 'm'))::bigint, 0)",
            connection);
        command.Parameters.AddWithValue("schema", schema);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public static async Task DropAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
