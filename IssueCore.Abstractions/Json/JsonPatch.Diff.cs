using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Json;

/// <content>The RFC 6902 diff: the patch that turns one document into another.</content>
public static partial class JsonPatch
{
    /// <summary>
    /// Computes an RFC 6902 patch that turns <paramref name="from"/> into <paramref name="to"/>, so that
    /// <c>Apply(from, Diff(from, to))</c> equals <paramref name="to"/> as <see cref="JsonEquals"/> compares.
    /// </summary>
    /// <remarks>
    /// Objects are compared member by member: a member only in <paramref name="from"/> is a <c>remove</c>,
    /// one only in <paramref name="to"/> an <c>add</c>, one in both is compared in turn. Arrays keep their
    /// common leading and trailing elements, compare the elements in between pairwise, then remove the
    /// surplus (highest index first) or add the missing elements in order. A value whose kind changes is
    /// one <c>replace</c>. Equal values (numbers by their IEEE 754 double value) give no operation, so the
    /// diff of equal documents is the empty array. Pointers escape <c>~</c> as <c>~0</c> and <c>/</c> as
    /// <c>~1</c>. The walk is iterative and both documents may nest at most
    /// <see cref="JsonLimits.MaxDocumentDepth"/> levels, so no input can exhaust the stack.
    /// </remarks>
    /// <param name="from">The document before.</param>
    /// <param name="to">The document after.</param>
    /// <returns>A new JSON array of operations (<c>add</c>, <c>remove</c> and <c>replace</c> only).</returns>
    /// <exception cref="ValidationException">
    /// A document is undefined (a default <see cref="JsonElement"/>) or nests deeper than
    /// <see cref="JsonLimits.MaxDocumentDepth"/> levels; the error's path is <c>from</c> or <c>to</c>.
    /// </exception>
    public static JsonArray Diff(JsonElement from, JsonElement to)
    {
        CheckDiffInput(from, "from");
        CheckDiffInput(to, "to");

        var ops = new JsonArray();
        var pending = new Stack<(JsonElement From, JsonElement To, string Pointer)>();
        pending.Push((from, to, string.Empty));
        while (pending.Count > 0)
        {
            var (f, t, pointer) = pending.Pop();
            if (f.ValueKind == JsonValueKind.Object && t.ValueKind == JsonValueKind.Object)
            {
                DiffObjects(f, t, pointer, ops, pending);
            }
            else if (f.ValueKind == JsonValueKind.Array && t.ValueKind == JsonValueKind.Array)
            {
                DiffArrays(f, t, pointer, ops, pending);
            }
            else if (!ElementEquals(f, t))
            {
                ops.Add(Operation("replace", pointer, t));
            }
        }

        return ops;
    }

    private static void DiffObjects(JsonElement from, JsonElement to, string pointer, JsonArray ops, Stack<(JsonElement, JsonElement, string)> pending)
    {
        // Last member wins on a duplicate name, as a JsonObject built from the same text keeps it.
        var fromMembers = Members(from);
        var toMembers = Members(to);
        foreach (var name in fromMembers.Keys)
        {
            if (!toMembers.ContainsKey(name))
            {
                ops.Add(Operation("remove", pointer + "/" + EscapeToken(name), null));
            }
        }

        foreach (var (name, value) in toMembers)
        {
            var child = pointer + "/" + EscapeToken(name);
            if (fromMembers.TryGetValue(name, out var before))
            {
                pending.Push((before, value, child));
            }
            else
            {
                ops.Add(Operation("add", child, value));
            }
        }
    }

    private static void DiffArrays(JsonElement from, JsonElement to, string pointer, JsonArray ops, Stack<(JsonElement, JsonElement, string)> pending)
    {
        var f = from.EnumerateArray().ToArray();
        var t = to.EnumerateArray().ToArray();
        var prefix = 0;
        while (prefix < f.Length && prefix < t.Length && ElementEquals(f[prefix], t[prefix]))
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < f.Length - prefix && suffix < t.Length - prefix && ElementEquals(f[f.Length - 1 - suffix], t[t.Length - 1 - suffix]))
        {
            suffix++;
        }

        var fromMiddle = f.Length - prefix - suffix;
        var toMiddle = t.Length - prefix - suffix;
        var paired = Math.Min(fromMiddle, toMiddle);

        // Pairwise changes address indices below every index the length changes touch, so their order does not matter.
        for (var i = prefix; i < prefix + paired; i++)
        {
            pending.Push((f[i], t[i], pointer + "/" + i.ToString(CultureInfo.InvariantCulture)));
        }

        for (var i = prefix + fromMiddle - 1; i >= prefix + paired; i--)
        {
            ops.Add(Operation("remove", pointer + "/" + i.ToString(CultureInfo.InvariantCulture), null));
        }

        for (var i = prefix + paired; i < prefix + toMiddle; i++)
        {
            ops.Add(Operation("add", pointer + "/" + i.ToString(CultureInfo.InvariantCulture), t[i]));
        }
    }

    private static Dictionary<string, JsonElement> Members(JsonElement obj)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            members[property.Name] = property.Value;
        }

        return members;
    }

    private static JsonObject Operation(string op, string pointer, JsonElement? value)
    {
        var operation = new JsonObject { ["op"] = op, ["path"] = pointer };
        if (value is { } v)
        {
            operation["value"] = ToNode(v);
        }

        return operation;
    }

    private static JsonNode? ToNode(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        JsonValueKind.Null => null,
        _ => JsonValue.Create(element),
    };

    /// <summary>Escapes a member name as an RFC 6901 reference token: <c>~</c> first, then <c>/</c>.</summary>
    private static string EscapeToken(string name)
    {
        if (name.AsSpan().IndexOfAny('~', '/') < 0)
        {
            return name;
        }

        var sb = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            _ = c switch
            {
                '~' => sb.Append("~0"),
                '/' => sb.Append("~1"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    private static void CheckDiffInput(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            throw new ValidationException(name, $"The '{name}' document is undefined (a default JsonElement).");
        }

        var pending = new Stack<(JsonElement Element, int Depth)>();
        pending.Push((element, 0));
        while (pending.Count > 0)
        {
            var (current, depth) = pending.Pop();
            if (current.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                continue;
            }

            if (depth + 1 > JsonLimits.MaxDocumentDepth)
            {
                throw new ValidationException(name, $"The '{name}' document nests deeper than {JsonLimits.MaxDocumentDepth} levels.");
            }

            if (current.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in current.EnumerateObject())
                {
                    pending.Push((property.Value, depth + 1));
                }
            }
            else
            {
                foreach (var item in current.EnumerateArray())
                {
                    pending.Push((item, depth + 1));
                }
            }
        }
    }

    /// <summary>Compares two elements as <see cref="JsonEquals"/> compares nodes, without recursion; a number beyond the double range equals only the same text.</summary>
    private static bool ElementEquals(JsonElement left, JsonElement right)
    {
        var pending = new Stack<(JsonElement Left, JsonElement Right)>();
        pending.Push((left, right));
        while (pending.Count > 0)
        {
            var (l, r) = pending.Pop();
            if (l.ValueKind != r.ValueKind)
            {
                return false;
            }

            switch (l.ValueKind)
            {
                case JsonValueKind.String:
                    if (!l.ValueEquals(r.GetString()))
                    {
                        return false;
                    }

                    break;
                case JsonValueKind.Number:
                    if (!NumberEquals(l, r))
                    {
                        return false;
                    }

                    break;
                case JsonValueKind.Array:
                    if (l.GetArrayLength() != r.GetArrayLength())
                    {
                        return false;
                    }

                    using (var le = l.EnumerateArray())
                    using (var re = r.EnumerateArray())
                    {
                        while (le.MoveNext() && re.MoveNext())
                        {
                            pending.Push((le.Current, re.Current));
                        }
                    }

                    break;
                case JsonValueKind.Object:
                    var lm = Members(l);
                    var rm = Members(r);
                    if (lm.Count != rm.Count)
                    {
                        return false;
                    }

                    foreach (var (key, value) in lm)
                    {
                        if (!rm.TryGetValue(key, out var other))
                        {
                            return false;
                        }

                        pending.Push((value, other));
                    }

                    break;
                default:
                    // Null, true and false: equal kinds are equal values.
                    break;
            }
        }

        return true;
    }

    private static bool NumberEquals(JsonElement left, JsonElement right)
    {
        var lt = left.GetRawText();
        var rt = right.GetRawText();
        if (string.Equals(lt, rt, StringComparison.Ordinal))
        {
            return true;
        }

        var ld = double.Parse(lt, NumberStyles.Float, CultureInfo.InvariantCulture);
        var rd = double.Parse(rt, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(ld) && ld == rd;
    }
}
