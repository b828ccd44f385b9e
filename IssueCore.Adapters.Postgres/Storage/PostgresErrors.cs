using Npgsql;

namespace IssueCore.Adapters.Postgres.Storage;

/// <summary>Translates provider errors into the IssueCore hierarchy, keeping the provider's error as the inner exception.</summary>
internal static class PostgresErrors
{
    internal const string UniqueViolation = "23505";

    public static bool IsProvider(Exception ex) => ex is NpgsqlException;

    public static IssueCoreException Translate(Exception ex, string operation) => ex switch
    {
        PostgresException { SqlState: UniqueViolation } pg =>
            new ConflictException($"Could not {operation}: a row with the same key exists ({pg.ConstraintName}).", innerException: pg),
        PostgresException pg =>
            new StorageException($"Could not {operation}: PostgreSQL error {pg.SqlState}: {pg.MessageText}", pg),
        _ => new StorageException($"Could not {operation}: {ex.Message}", ex),
    };
}
