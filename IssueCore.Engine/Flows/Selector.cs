using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Flows;

/// <summary>A selector: <c>{op: path, at}</c> reads the ctx; <c>{op: const, value}</c> is a literal.</summary>
internal sealed class Selector
{
    private readonly CtxPath? _path;
    private readonly JsonElement _value; // immutable, so a plan shared by concurrent runs and branches can read it

    private Selector(CtxPath? path, JsonElement value)
    {
        _path = path;
        _value = value;
    }

    public bool IsPath => _path is not null;

    public static Selector Path(CtxPath path) => new(path, default);

    public static Selector Const(JsonElement value) => new(null, value.Clone());

    /// <summary>Evaluates against the ctx; the result is a detached copy.</summary>
    public JsonNode? Evaluate(JsonObject ctx) => _path is null ? ConstNode() : _path.Get(ctx)?.DeepClone();

    /// <summary>Truthiness: everything except null, false, 0 and "" is true.</summary>
    public bool IsTruthy(JsonObject ctx) => Truthy(_path is null ? ConstNode() : _path.Get(ctx));

    /// <summary>A fresh node over the constant (each caller gets its own instance).</summary>
    private JsonNode? ConstNode() => _value.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(_value),
        JsonValueKind.Array => JsonArray.Create(_value),
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        _ => JsonValue.Create(_value),
    };

    public static bool Truthy(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return node is not null;
        }

        if (value.TryGetValue<bool>(out var b))
        {
            return b;
        }

        if (value.TryGetValue<string>(out var s))
        {
            return s.Length != 0;
        }

        if (value.TryGetValue<double>(out var d))
        {
            return d != 0;
        }

        return value.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.Null => false,
            System.Text.Json.JsonValueKind.False => false,
            System.Text.Json.JsonValueKind.Number => value.ToJsonString() is not ("0" or "-0" or "0.0"),
            System.Text.Json.JsonValueKind.String => value.ToJsonString() != "\"\"",
            _ => true,
        };
    }
}
