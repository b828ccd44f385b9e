using System.Text.Json;
using IssueCore.Json;
using Npgsql;
using NpgsqlTypes;

namespace IssueCore.Adapters.Postgres.Storage;

/// <summary>Small helpers for parameters and rows.</summary>
internal static class Sql
{
    public static void Add(this NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
        => command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });

    public static void AddText(this NpgsqlCommand command, string name, string? value) => command.Add(name, NpgsqlDbType.Text, value);

    public static void AddTime(this NpgsqlCommand command, string name, DateTimeOffset? value)
        => command.Add(name, NpgsqlDbType.TimestampTz, value?.ToUniversalTime());

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset Time(this NpgsqlDataReader reader, int ordinal)
        => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? NullableTime(this NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>Canonical JSON text for storage.</summary>
    public static string Canonical(JsonElement value) => CanonicalJson.Serialize(value);

    /// <summary>Parses stored canonical JSON, refusing text that is not canonical (a changed or corrupted row).</summary>
    public static JsonElement ReadCanonical(string text, string what)
    {
        JsonElement element;
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = CanonicalJson.MaxDepth });
            element = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new StorageException($"The stored {what} is not valid JSON.", ex);
        }

        if (!string.Equals(CanonicalJson.Serialize(element), text, StringComparison.Ordinal))
        {
            throw new StorageException($"The stored {what} is not in canonical form; the row was changed outside IssueCore.");
        }

        return element;
    }

    /// <summary>Prefixes each column of a comma-separated list with a table alias.</summary>
    public static string Prefixed(string columns, string alias)
        => string.Join(", ", columns.Split(',', StringSplitOptions.TrimEntries).Select(c => alias + "." + c));
}
