using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>Translates provider errors into the IssueCore error hierarchy, keeping the provider's exception inside.</summary>
internal static class SqliteErrors
{
    public const int Busy = 5;
    public const int Locked = 6;
    public const int Interrupt = 9;
    public const int Constraint = 19;

    /// <summary><c>SQLITE_CONSTRAINT_PRIMARYKEY</c>: a PRIMARY KEY (other than an INTEGER PRIMARY KEY) is taken.</summary>
    public const int ConstraintPrimaryKey = Constraint | (6 << 8);

    /// <summary><c>SQLITE_CONSTRAINT_UNIQUE</c>: a UNIQUE column or index refused a duplicate.</summary>
    public const int ConstraintUnique = Constraint | (8 << 8);

    /// <summary><c>SQLITE_CONSTRAINT_ROWID</c>: an INTEGER PRIMARY KEY (the rowid) is taken.</summary>
    public const int ConstraintRowId = Constraint | (10 << 8);

    /// <summary>Whether the connection can be reused after this error (a failed constraint leaves it healthy).</summary>
    public static bool LeavesConnectionUsable(SqliteException exception) => exception.SqliteErrorCode == Constraint;

    /// <summary>
    /// Whether the error is a uniqueness violation (a UNIQUE index or a primary key): the only
    /// constraint failure that means "it already exists". CHECK, NOT NULL and FOREIGN KEY failures
    /// are not conflicts; they mean the adapter wrote something the schema does not allow.
    /// </summary>
    public static bool IsUniqueViolation(SqliteException exception)
        => exception.SqliteErrorCode == Constraint
           && exception.SqliteExtendedErrorCode is ConstraintUnique or ConstraintPrimaryKey or ConstraintRowId;

    public static Exception Translate(SqliteException exception, string operation, CancellationToken cancellationToken)
    {
        if (exception.SqliteErrorCode is Interrupt or Busy or Locked && cancellationToken.IsCancellationRequested)
        {
            // The token interrupted the statement (sqlite3_interrupt) or ended the wait for the write lock.
            return new OperationCanceledException($"{operation} was cancelled.", exception, cancellationToken);
        }

        if (IsUniqueViolation(exception))
        {
            return new ConflictException($"{operation}: a uniqueness constraint refused the write; nothing was written.", innerException: exception);
        }

        return exception.SqliteErrorCode switch
        {
            Busy or Locked => new StorageException($"{operation}: the database stayed locked by another connection or process past the busy timeout.", exception),
            Constraint => new StorageException($"{operation}: a schema constraint (error {exception.SqliteExtendedErrorCode}) refused the write; nothing was written: {exception.Message}", exception),
            _ => new StorageException($"{operation} failed in SQLite (error {exception.SqliteErrorCode}/{exception.SqliteExtendedErrorCode}): {exception.Message}", exception),
        };
    }
}
