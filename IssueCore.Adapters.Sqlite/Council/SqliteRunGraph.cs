using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// How a run's graph is stored. The graph's <c>blueprint</c> member (the flow being run) is the same for every run of
/// a flow version, so it is kept once in <c>council_graph_parts</c> under the SHA-256 of its text and the run's row
/// holds the rest of the graph's text (with <c>null</c> in the member's place) and the hash. Both are spliced from the
/// text as given, so reading puts the member back byte for byte: the graph read is the graph written.
/// </summary>
internal readonly record struct SqliteRunGraph(string Graph, string? PartHash, string? PartContent)
{
    /// <summary>The member stored apart.</summary>
    private const string PartMember = "blueprint";

    /// <summary>A member shorter than this stays in the row: a reference would save next to nothing.</summary>
    private const int MinPartLength = 256;

    /// <summary>Inserts a part once; a part with the same hash is the same text.</summary>
    internal const string InsertPartSql = "INSERT INTO council_graph_parts (hash, content) VALUES (@hash, @content) ON CONFLICT (hash) DO NOTHING;";

    /// <summary>Removes the parts no run refers to any more (after a purge).</summary>
    internal const string PurgePartsSql =
        "DELETE FROM council_graph_parts WHERE hash NOT IN (SELECT graph_part FROM council_runs WHERE graph_part IS NOT NULL);";

    /// <summary>Splits a graph into the row's text and the part stored apart (none when the graph has no large <c>blueprint</c>).</summary>
    public static SqliteRunGraph Split(JsonElement graph)
    {
        var text = SqliteJson.WriteElement(graph);
        if (graph.ValueKind != JsonValueKind.Object
            || !graph.TryGetProperty(PartMember, out var part)
            || part.ValueKind != JsonValueKind.Object)
        {
            return new SqliteRunGraph(text, null, null);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var (offset, length) = FindPart(bytes);
        if (length < MinPartLength)
        {
            return new SqliteRunGraph(text, null, null);
        }

        // The text is spliced, not rewritten: every other byte of the graph is stored as it was given.
        var partBytes = bytes.AsSpan(offset, length);
        var hash = Convert.ToHexStringLower(SHA256.HashData(partBytes));
        var row = string.Concat(Encoding.UTF8.GetString(bytes, 0, offset), "null", Encoding.UTF8.GetString(bytes, offset + length, bytes.Length - offset - length));
        return new SqliteRunGraph(row, hash, Encoding.UTF8.GetString(partBytes));
    }

    /// <summary>The byte offset and length of the top-level <c>blueprint</c> member's value; length 0 when there is none.</summary>
    private static (int Offset, int Length) FindPart(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (0, 0);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isPart = reader.ValueTextEquals(PartMember);
            reader.Read();
            var offset = (int)reader.TokenStartIndex;
            reader.Skip();
            if (isPart)
            {
                return (offset, (int)reader.BytesConsumed - offset);
            }
        }

        return (0, 0);
    }

    /// <summary>Inserts the part (when there is one) inside the caller's transaction.</summary>
    public async Task WritePartAsync(SqliteSession session, CancellationToken ct)
    {
        if (PartHash is null)
        {
            return;
        }

        await session.Command(InsertPartSql)
            .With("@hash", PartHash)
            .With("@content", PartContent)
            .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Reads a stored graph back: the row's text with the part (when the row names one) in its place.</summary>
    /// <exception cref="JsonException">The stored text is not JSON.</exception>
    /// <exception cref="StorageException">The row names a part that is not stored.</exception>
    public static JsonElement Read(string graph, string? partHash, string? partContent)
    {
        if (partHash is null)
        {
            return SqliteJson.ReadElement(graph);
        }

        if (partContent is null)
        {
            throw new StorageException($"The run graph part '{partHash}' is missing from the council_graph_parts table.");
        }

        var bytes = Encoding.UTF8.GetBytes(graph);
        var (offset, length) = FindPart(bytes);
        if (length == 0)
        {
            throw new StorageException($"The stored run graph names the part '{partHash}' but has no '{PartMember}' member.");
        }

        return SqliteJson.ReadElement(string.Concat(Encoding.UTF8.GetString(bytes, 0, offset), partContent, Encoding.UTF8.GetString(bytes, offset + length, bytes.Length - offset - length)));
    }
}
