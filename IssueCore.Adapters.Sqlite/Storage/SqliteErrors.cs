using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

/// <summary>Translates provider errors into the IssueCore error hierarchy, keeping the provider's exception inside.</summary>
internal static class SqliteErrors
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int Interrupt = 9;
    private const int Constraint = 19;

    /// <summary>Whether the connection can be reused after this error (a failed constraint leaves it healthy).</summary>
    public static bool LeavesConnectionUsable(SqliteException exception) => exception.SqliteErrorCode == Constraint;

    public static Exception Translate(SqliteException exception, string operation, CancellationToken cancellationToken)
    {
        switch (exception.SqliteErrorCode)
        {
            case Constraint:
                return new ConflictException($"{operation}: a uniqueness or integrity constraint refused the write; nothing was written.", innerException: exception);
            case Interrupt when cancellationToken.IsCancellationRequested:
                return new OperationCanceledException($"{operation} was cancelled.", exception, cancellationToken);
            case Busy or Locked:
                return new StorageException($"{operation}: the database stayed locked by another connection or process past the busy timeout.", exception);
            default:
                return new StorageException($"{operation} failed in SQLite (error {exception.SqliteErrorCode}/{exception.SqliteExtendedErrorCode}): {exception.Message}", exception);
        }
    }
}
