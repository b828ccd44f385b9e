using System.Buffers;
using System.Text;
using System.Text.Json;

namespace IssueCore.Adapters.Sqlite;

/// <summary>Small JSON helpers for list-valued and document-valued columns.</summary>
internal static class SqliteJson
{
    public static string WriteStrings(IEnumerable<string> values)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string[] ReadStrings(string json)
    {
        if (json == "[]")
        {
            return [];
        }

        using var doc = JsonDocument.Parse(json, IssueCore.Json.RecordJson.DocumentOptions);
        var result = new string[doc.RootElement.GetArrayLength()];
        var i = 0;
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            result[i++] = item.GetString() ?? string.Empty;
        }

        return result;
    }

    /// <summary>The raw text of an element; an undefined element is stored as JSON <c>null</c>.</summary>
    public static string WriteElement(JsonElement element)
        => element.ValueKind == JsonValueKind.Undefined ? "null" : element.GetRawText();

    public static JsonElement ReadElement(string json)
    {
        using var doc = JsonDocument.Parse(json, IssueCore.Json.RecordJson.DocumentOptions);
        return doc.RootElement.Clone();
    }
}
