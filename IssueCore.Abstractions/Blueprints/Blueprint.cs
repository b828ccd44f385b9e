using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;

namespace IssueCore.Blueprints;

/// <summary>
/// An immutable Blueprint document: a JSON object with <c>id</c>, <c>flow</c>, <c>agents</c> and
/// <c>metadata</c> (with a semver <c>version_label</c>). Unknown members are kept as they are.
/// The document is held in RFC 8785 canonical form, so <see cref="Version"/> is its content hash.
/// </summary>
public sealed class Blueprint : IEquatable<Blueprint>
{
    private readonly JsonElement _root;

    private Blueprint(JsonElement root, string canonicalJson, BlueprintVersion version)
    {
        _root = root;
        CanonicalJson = canonicalJson;
        Version = version;
    }

    /// <summary>The document as RFC 8785 canonical JSON text.</summary>
    public string CanonicalJson { get; }

    /// <summary>The content address: SHA-256 of <see cref="CanonicalJson"/> in UTF-8.</summary>
    public BlueprintVersion Version { get; }

    /// <summary>The whole document (read-only).</summary>
    public JsonElement Root => _root;

    /// <summary>The <c>id</c> member, or <see langword="null"/> when absent or not a string.</summary>
    public string? Id => TryGetString(_root, "id");

    /// <summary>The <c>metadata.version_label</c> member, or <see langword="null"/> when absent or not a string.</summary>
    public string? VersionLabel
        => _root.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? TryGetString(m, "version_label") : null;

    /// <summary>Parses a Blueprint from JSON text.</summary>
    /// <exception cref="ValidationException">The text is not JSON, or not a JSON object.</exception>
    public static Blueprint Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = IssueCore.Json.CanonicalJson.MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new ValidationException("$", $"The Blueprint is not valid JSON: {ex.Message}");
        }

        return FromNode(node);
    }

    /// <summary>Creates a Blueprint from a JSON node (which is not retained).</summary>
    /// <exception cref="ValidationException">The node is not a JSON object, or holds a value that has no canonical form.</exception>
    public static Blueprint FromNode(JsonNode? node)
    {
        if (node is not JsonObject)
        {
            throw new ValidationException("$", "A Blueprint must be a JSON object.");
        }

        // The canonical UTF-8 bytes are written once and serve the hash, the parsed document and the text.
        using var buffer = new PooledUtf8Buffer();
        CanonicalJsonWriter.Write(buffer, node);
        var version = BlueprintVersion.FromHash(ContentHash.OfBytes(buffer.WrittenSpan));
        using var doc = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = IssueCore.Json.CanonicalJson.MaxDepth }); // as deep as Parse accepts
        return new Blueprint(doc.RootElement.Clone(), Encoding.UTF8.GetString(buffer.WrittenSpan), version);
    }

    /// <summary>Creates a Blueprint from a JSON element.</summary>
    /// <exception cref="ValidationException">The element is not a JSON object.</exception>
    public static Blueprint FromElement(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ValidationException("$", "A Blueprint must be a JSON object.");
        }

        return FromNode(JsonNode.Parse(element.GetRawText()));
    }

    /// <summary>Returns a mutable deep copy of the document.</summary>
    /// <remarks>Built from the already parsed document, not by parsing <see cref="CanonicalJson"/> again.</remarks>
    public JsonObject ToJsonObject() => JsonObject.Create(_root)!;

    /// <inheritdoc />
    public bool Equals(Blueprint? other) => other is not null && other.Version == Version;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Blueprint);

    /// <inheritdoc />
    public override int GetHashCode() => Version.GetHashCode();

    /// <summary>Returns the canonical JSON.</summary>
    public override string ToString() => CanonicalJson;

    private static string? TryGetString(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
