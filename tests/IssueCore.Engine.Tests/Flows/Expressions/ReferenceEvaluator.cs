using System.Globalization;
using System.Text.Json;

namespace IssueCore.Engine.Tests.Flows.Expressions;

/// <summary>
/// A deliberately plain evaluator of flow expressions, written from the documented contract over immutable
/// <see cref="JsonElement"/>s and the expression's JSON text (not the engine's parsed form), to check the engine against.
/// Numbers are doubles; every operand is evaluated left to right before its operator checks types, except that
/// <c>and</c>/<c>or</c> stop at the first deciding operand.
/// </summary>
internal static class ReferenceEvaluator
{
    /// <summary>The value, or the error kind (<c>type</c>, <c>path_not_found</c>, <c>arithmetic</c>).</summary>
    public static (JsonElement? Value, string? Error) Evaluate(JsonElement expr, JsonElement ctx)
    {
        try
        {
            return (Eval(expr, ctx), null);
        }
        catch (RefError e)
        {
            return (null, e.Kind);
        }
    }

    private sealed class RefError(string kind) : Exception(kind)
    {
        public string Kind { get; } = kind;
    }

    private static JsonElement Eval(JsonElement expr, JsonElement ctx)
    {
        var op = expr.GetProperty("op").GetString();
        if (op == "const")
        {
            return expr.GetProperty("value");
        }

        if (op is "path" or "exists")
        {
            var found = Lookup(ctx, expr.GetProperty("at").GetString()!, out var value);
            if (op == "exists")
            {
                return Bool(found);
            }

            return found ? value : throw new RefError("path_not_found");
        }

        var args = expr.GetProperty("args").EnumerateArray().ToList();
        if (op is "and" or "or")
        {
            foreach (var arg in args)
            {
                var v = Eval(arg, ctx);
                if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw new RefError("type");
                }

                if ((v.ValueKind == JsonValueKind.True) == (op == "or"))
                {
                    return Bool(op == "or");
                }
            }

            return Bool(op == "and");
        }

        var values = args.Select(a => Eval(a, ctx)).ToList();
        switch (op)
        {
            case "eq": return Bool(Same(values[0], values[1]));
            case "ne": return Bool(!Same(values[0], values[1]));
            case "not":
                return values[0].ValueKind switch
                {
                    JsonValueKind.True => Bool(false),
                    JsonValueKind.False => Bool(true),
                    _ => throw new RefError("type"),
                };
            case "lt" or "le" or "gt" or "ge":
                {
                    int c;
                    if (values[0].ValueKind == JsonValueKind.Number && values[1].ValueKind == JsonValueKind.Number)
                    {
                        c = Num(values[0]).CompareTo(Num(values[1]));
                    }
                    else if (values[0].ValueKind == JsonValueKind.String && values[1].ValueKind == JsonValueKind.String)
                    {
                        c = string.CompareOrdinal(values[0].GetString(), values[1].GetString());
                    }
                    else
                    {
                        throw new RefError("type");
                    }

                    return Bool(op switch { "lt" => c < 0, "le" => c <= 0, "gt" => c > 0, _ => c >= 0 });
                }

            case "add" or "sub" or "mul" or "div":
                {
                    if (values[0].ValueKind != JsonValueKind.Number || values[1].ValueKind != JsonValueKind.Number)
                    {
                        throw new RefError("type");
                    }

                    double a = Num(values[0]), b = Num(values[1]);
                    if (op == "div" && b == 0)
                    {
                        throw new RefError("arithmetic");
                    }

                    var r = op switch { "add" => a + b, "sub" => a - b, "mul" => a * b, _ => a / b };
                    return double.IsFinite(r) ? Parse(r.ToString("R", CultureInfo.InvariantCulture)) : throw new RefError("arithmetic");
                }

            case "len":
                return values[0].ValueKind switch
                {
                    JsonValueKind.String => Number(values[0].GetString()!.EnumerateRunes().Count()),
                    JsonValueKind.Array => Number(values[0].GetArrayLength()),
                    JsonValueKind.Object => Number(values[0].EnumerateObject().Count()),
                    _ => throw new RefError("type"),
                };
            case "in":
                switch (values[1].ValueKind)
                {
                    case JsonValueKind.Array:
                        return Bool(values[1].EnumerateArray().Any(e => Same(values[0], e)));
                    case JsonValueKind.String when values[0].ValueKind == JsonValueKind.String:
                        return Bool(values[1].GetString()!.Contains(values[0].GetString()!, StringComparison.Ordinal));
                    case JsonValueKind.Object when values[0].ValueKind == JsonValueKind.String:
                        return Bool(values[1].EnumerateObject().Any(p => p.Name == values[0].GetString()));
                    default:
                        throw new RefError("type");
                }

            default:
                throw new InvalidOperationException("unknown op " + op);
        }
    }

    /// <summary>Walks "$.a[0].b" by hand.</summary>
    private static bool Lookup(JsonElement ctx, string path, out JsonElement value)
    {
        value = ctx;
        var rest = path[1..];
        while (rest.Length > 0)
        {
            if (rest[0] == '.')
            {
                var end = rest.IndexOfAny(['.', '['], 1);
                var name = end < 0 ? rest[1..] : rest[1..end];
                rest = end < 0 ? string.Empty : rest[end..];
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
                {
                    return false;
                }
            }
            else
            {
                var close = rest.IndexOf(']', StringComparison.Ordinal);
                var index = int.Parse(rest[1..close], CultureInfo.InvariantCulture);
                rest = rest[(close + 1)..];
                if (value.ValueKind != JsonValueKind.Array || index >= value.GetArrayLength())
                {
                    return false;
                }

                value = value[index];
            }
        }

        return true;
    }

    /// <summary>Structural equality, numbers by value.</summary>
    public static bool Same(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        return a.ValueKind switch
        {
            JsonValueKind.Number => Num(a) == Num(b),
            JsonValueKind.String => a.GetString() == b.GetString(),
            JsonValueKind.Array => a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(p => Same(p.First, p.Second)),
            JsonValueKind.Object => a.EnumerateObject().Count() == b.EnumerateObject().Count()
                && a.EnumerateObject().All(p => b.TryGetProperty(p.Name, out var other) && Same(p.Value, other)),
            _ => true,
        };
    }

    private static double Num(JsonElement e) => double.Parse(e.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static JsonElement Bool(bool b) => Parse(b ? "true" : "false");

    private static JsonElement Number(int n) => Parse(n.ToString(CultureInfo.InvariantCulture));

    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
