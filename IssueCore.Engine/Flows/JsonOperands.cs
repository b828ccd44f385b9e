using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Flows;

/// <summary>
/// What flow expressions need of JSON values: their type, numbers as 64-bit floating point, deep equality and Unicode
/// lengths. Reads never change the value.
/// </summary>
internal static class JsonOperands
{
    /// <summary>Integers up to this magnitude are exact in a double and are written back as JSON integers.</summary>
    private const double MaxExactInteger = 9_007_199_254_740_992d; // 2^53

    public static ExprType TypeOf(JsonNode? node) => node switch
    {
        null => ExprType.Null,
        JsonObject => ExprType.Object,
        JsonArray => ExprType.Array,
        _ => node.GetValueKind() switch
        {
            JsonValueKind.True or JsonValueKind.False => ExprType.Boolean,
            JsonValueKind.Number => ExprType.Number,
            JsonValueKind.String => ExprType.String,
            _ => ExprType.Null,
        },
    };

    public static ExprType TypeOf(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => ExprType.Boolean,
        JsonValueKind.Number => ExprType.Number,
        JsonValueKind.String => ExprType.String,
        JsonValueKind.Array => ExprType.Array,
        JsonValueKind.Object => ExprType.Object,
        _ => ExprType.Null,
    };

    /// <summary>A lower-case name for messages: <c>string</c>, <c>number or string</c>…</summary>
    public static string Name(ExprType type)
    {
        if (type == ExprType.Any)
        {
            return "any value";
        }

        var names = new List<string>();
        foreach (var (flag, name) in new[] { (ExprType.Null, "null"), (ExprType.Boolean, "boolean"), (ExprType.Number, "number"), (ExprType.String, "string"), (ExprType.Array, "array"), (ExprType.Object, "object") })
        {
            if ((type & flag) != 0)
            {
                names.Add(name);
            }
        }

        return names.Count == 0 ? "nothing" : string.Join(" or ", names);
    }

    /// <summary>Whether <paramref name="type"/> is exactly one JSON type (so validation knows it).</summary>
    public static bool IsKnown(ExprType type) => type != ExprType.None && (type & (type - 1)) == 0;

    public static bool AsBoolean(JsonNode node) => node.GetValueKind() == JsonValueKind.True;

    public static double AsNumber(JsonNode node)
        => node is JsonValue value && value.TryGetValue<JsonElement>(out var element) && element.TryGetDouble(out var number)
            ? number
            : double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    public static string AsString(JsonNode node) => node.GetValue<string>();

    /// <summary>A number node: an integer when the value is an exactly representable integer, otherwise a double.</summary>
    public static JsonNode Number(double value)
        => Math.Abs(value) <= MaxExactInteger && Math.Floor(value) == value
            ? JsonValue.Create((long)value)
            : JsonValue.Create(value);

    /// <summary>The number of Unicode code points (a lone surrogate counts as one).</summary>
    public static int CodePoints(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }

            count++;
        }

        return count;
    }

    /// <summary>Deep equality: numbers by value (<c>1</c> equals <c>1.0</c>), strings ordinally, objects whatever their member order.</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        var type = TypeOf(a);
        if (type != TypeOf(b))
        {
            return false;
        }

        switch (type)
        {
            case ExprType.Null:
                return true;
            case ExprType.Boolean:
                return AsBoolean(a!) == AsBoolean(b!);
            case ExprType.Number:
                return AsNumber(a!) == AsNumber(b!);
            case ExprType.String:
                return string.Equals(AsString(a!), AsString(b!), StringComparison.Ordinal);
            case ExprType.Array:
                {
                    var x = a!.AsArray();
                    var y = b!.AsArray();
                    if (x.Count != y.Count)
                    {
                        return false;
                    }

                    for (var i = 0; i < x.Count; i++)
                    {
                        if (!DeepEquals(x[i], y[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            default:
                {
                    var x = a!.AsObject();
                    var y = b!.AsObject();
                    if (x.Count != y.Count)
                    {
                        return false;
                    }

                    foreach (var (key, value) in x)
                    {
                        if (!y.TryGetPropertyValue(key, out var other) || !DeepEquals(value, other))
                        {
                            return false;
                        }
                    }

                    return true;
                }
        }
    }
}
