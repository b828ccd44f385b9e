using Microsoft.Data.Sqlite;

namespace IssueCore.Adapters.Sqlite;

internal static class SqliteCommandExtensions
{
    /// <summary>Binds a parameter; <see langword="null"/> binds SQL NULL.</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? GetInt64OrNull(this SqliteDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static DateTimeOffset? GetTimeOrNull(this SqliteDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : SqliteTime.FromTicks(reader.GetInt64(ordinal));

    public static DateTimeOffset GetTime(this SqliteDataReader reader, int ordinal)
        => SqliteTime.FromTicks(reader.GetInt64(ordinal));
}
