using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Json;

/// <summary>
/// Reads and writes the engine's own records (the flow context, run graphs, event payloads) with
/// <see cref="JsonLimits.MaxRecordDepth"/>, so a document accepted at <see cref="JsonLimits.MaxDocumentDepth"/>
/// still fits once it is embedded a few levels down. The serializer's and parser's own default
/// (64 levels) would refuse it.
/// </summary>
public static class RecordJson
{
    /// <summary>Parser options for a record: at most <see cref="JsonLimits.MaxRecordDepth"/> levels.</summary>
    public static JsonDocumentOptions DocumentOptions => new() { MaxDepth = JsonLimits.MaxRecordDepth };

    /// <summary>Writer options for a record: at most <see cref="JsonLimits.MaxRecordDepth"/> levels.</summary>
    public static JsonWriterOptions WriterOptions => new() { MaxDepth = JsonLimits.MaxRecordDepth };

    /// <summary>Serialises a JSON value (<see langword="null"/> is the literal <c>null</c>) to UTF-8.</summary>
    /// <exception cref="ValidationException">The value nests deeper than <see cref="JsonLimits.MaxRecordDepth"/> levels.</exception>
    public static byte[] SerializeToUtf8Bytes(JsonNode? node)
    {
        if (JsonDepth.Of(node, JsonLimits.MaxRecordDepth) > JsonLimits.MaxRecordDepth)
        {
            throw new ValidationException("$", $"The record nests deeper than {JsonLimits.MaxRecordDepth} levels.");
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (node is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                node.WriteTo(writer);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }
}
