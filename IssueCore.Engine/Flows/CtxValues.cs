using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;

namespace IssueCore.Flows;

/// <summary>
/// Turns values written into the ctx into nodes over an immutable JSON element. Such a node materialises only the parts
/// somebody reads, and copying it (a step input selected with <c>in</c>, a fan-out branch) copies bytes instead of
/// allocating a node per value; writing it (the run record, a fan-out snapshot) copies bytes too.
/// </summary>
internal static class CtxValues
{
    private static readonly JsonSerializerOptions RecordOptions = new() { MaxDepth = JsonLimits.MaxRecordDepth };

    /// <summary>A detached node over a serialised copy of <paramref name="value"/>: serialised once, materialised lazily.</summary>
    public static JsonNode? Freeze(JsonNode? value) => value is null ? null : Over(JsonSerializer.SerializeToElement(value, RecordOptions));

    /// <summary>A detached object over a serialised copy of <paramref name="value"/>.</summary>
    public static JsonObject FreezeObject(JsonObject value) => JsonObject.Create(JsonSerializer.SerializeToElement(value, RecordOptions))!;

    /// <summary>One serialised, immutable copy of <paramref name="value"/> that many readers may share (for example fan-out branches).</summary>
    public static JsonElement Snapshot(JsonNode value) => JsonSerializer.SerializeToElement(value, RecordOptions);

    /// <summary>
    /// The member <paramref name="name"/> of <paramref name="value"/> when it is an object, else <see langword="null"/>
    /// (also for a member that is missing or JSON <c>null</c>). An object still standing over its parsed JSON is read
    /// there, as a node over the member's element: reading one member does not build a node for every other member.
    /// </summary>
    public static JsonNode? Member(JsonNode? value, string name)
    {
        if (value is not JsonObject obj)
        {
            return null;
        }

        if (ParsedElement(obj) is { } element)
        {
            return element.TryGetProperty(name, out var member) ? Over(member) : null;
        }

        return obj[name];
    }

    // The element a parsed object or array still stands over (null once it was materialised or when built in code).
    // System.Text.Json writes such a node from the element itself; these read the same field so readers can too.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_jsonElement")]
    public static extern ref JsonElement? ParsedElement(JsonObject node);

    /// <inheritdoc cref="ParsedElement(JsonObject)"/>
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_jsonElement")]
    public static extern ref JsonElement? ParsedElement(JsonArray node);

    /// <summary>A fresh node over an element (the element is shared, never changed: writes go to the node).</summary>
    public static JsonNode? Over(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => JsonValue.Create(element),
    };
}
