using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Json;

/// <summary>
/// RFC 6902 JSON Patch: <c>add</c>, <c>remove</c>, <c>replace</c>, <c>move</c>, <c>copy</c> and <c>test</c>
/// over RFC 6901 JSON Pointers (<c>~0</c> is <c>~</c>, <c>~1</c> is <c>/</c>, <c>-</c> is the end of an array).
/// </summary>
/// <remarks>
/// <see cref="Apply"/> never mutates its inputs: it works on a copy and either returns the patched copy
/// or throws. <c>test</c> compares by JSON value: numbers by their numeric value (<c>1</c> equals
/// <c>1.0</c>), object members in any order, arrays element by element.
/// </remarks>
public static class JsonPatch
{
    private static readonly string[] KnownOps = ["add", "remove", "replace", "move", "copy", "test"];

    /// <summary>Applies a patch (a JSON array of operations) to a document and returns the patched copy.</summary>
    /// <param name="document">The document; <see langword="null"/> is the JSON literal <c>null</c>.</param>
    /// <param name="operations">The patch: an array of operation objects.</param>
    /// <returns>A new document; <paramref name="document"/> is left unchanged.</returns>
    /// <exception cref="ValidationException">
    /// The patch is malformed, or an operation failed; the error's path names the operation and member,
    /// for example <c>$[3].path</c>.
    /// </exception>
    public static JsonNode? Apply(JsonNode? document, JsonNode? operations)
    {
        var errors = Validate(operations);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        var ops = (JsonArray)operations!;
        var root = document?.DeepClone();
        for (var i = 0; i < ops.Count; i++)
        {
            var op = (JsonObject)ops[i]!;
            root = ApplyOne(root, op, i);
        }

        return root;
    }

    /// <summary>Checks the shape of a patch without applying it: an array of objects, known ops, well-formed pointers and the members each op needs.</summary>
    /// <param name="operations">The patch to check.</param>
    /// <returns>Every problem found, each with its path (empty when the patch is well formed).</returns>
    public static IReadOnlyList<ValidationError> Validate(JsonNode? operations)
    {
        var errors = new List<ValidationError>();
        if (operations is not JsonArray ops)
        {
            errors.Add(new ValidationError("$", "A JSON Patch must be an array of operations."));
            return errors;
        }

        for (var i = 0; i < ops.Count; i++)
        {
            var at = $"$[{i}]";
            if (ops[i] is not JsonObject op)
            {
                errors.Add(new ValidationError(at, "An operation must be an object."));
                continue;
            }

            if (!TryGetString(op, "op", out var name))
            {
                errors.Add(new ValidationError(at + ".op", "Member 'op' is required and must be a string."));
                continue;
            }

            if (Array.IndexOf(KnownOps, name) < 0)
            {
                errors.Add(new ValidationError(at + ".op", $"Unknown operation '{name}'; expected one of {string.Join(", ", KnownOps)}."));
                continue;
            }

            CheckPointer(op, "path", at, errors);
            if (name is "move" or "copy")
            {
                CheckPointer(op, "from", at, errors);
            }

            if (name is "add" or "replace" or "test" && !op.ContainsKey("value"))
            {
                errors.Add(new ValidationError(at + ".value", $"Member 'value' is required for '{name}'."));
            }
        }

        return errors;
    }

    /// <summary>Compares two JSON values: numbers by value, object members in any order, arrays in order.</summary>
    /// <param name="left">One value (<see langword="null"/> is JSON null).</param>
    /// <param name="right">The other value.</param>
    /// <returns><see langword="true"/> when both are the same JSON value.</returns>
    public static bool JsonEquals(JsonNode? left, JsonNode? right)
    {
        var lk = KindOf(left);
        var rk = KindOf(right);
        if (lk != rk)
        {
            return false;
        }

        switch (lk)
        {
            case JsonValueKind.Null:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return true;
            case JsonValueKind.String:
                return string.Equals(left!.GetValue<string>(), right!.GetValue<string>(), StringComparison.Ordinal);
            case JsonValueKind.Number:
                return NumbersEqual(left!.ToJsonString(), right!.ToJsonString());
            case JsonValueKind.Array:
                var la = (JsonArray)left!;
                var ra = (JsonArray)right!;
                if (la.Count != ra.Count)
                {
                    return false;
                }

                for (var i = 0; i < la.Count; i++)
                {
                    if (!JsonEquals(la[i], ra[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Object:
                var lo = (JsonObject)left!;
                var ro = (JsonObject)right!;
                if (lo.Count != ro.Count)
                {
                    return false;
                }

                foreach (var (key, value) in lo)
                {
                    if (!ro.TryGetPropertyValue(key, out var other) || !JsonEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    private static JsonValueKind KindOf(JsonNode? node) => node is null ? JsonValueKind.Null : node.GetValueKind();

    private static bool NumbersEqual(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return true;
        }

        if (decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var da)
            && decimal.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var db))
        {
            return da == db;
        }

        return double.Parse(a, NumberStyles.Float, CultureInfo.InvariantCulture)
            == double.Parse(b, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static bool TryGetString(JsonObject op, string member, out string value)
    {
        if (op.TryGetPropertyValue(member, out var node) && node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            value = v.GetValue<string>();
            return true;
        }

        value = string.Empty;
        return false;
    }

    private static void CheckPointer(JsonObject op, string member, string at, List<ValidationError> errors)
    {
        if (!TryGetString(op, member, out var pointer))
        {
            errors.Add(new ValidationError($"{at}.{member}", $"Member '{member}' is required and must be a JSON Pointer string."));
            return;
        }

        if (ParsePointer(pointer) is null)
        {
            errors.Add(new ValidationError($"{at}.{member}", $"'{pointer}' is not a JSON Pointer: it must be empty or start with '/', and '~' must be followed by '0' or '1'."));
        }
    }

    private static List<string>? ParsePointer(string pointer)
    {
        var tokens = new List<string>();
        if (pointer.Length == 0)
        {
            return tokens;
        }

        if (pointer[0] != '/')
        {
            return null;
        }

        var sb = new StringBuilder();
        for (var i = 1; i <= pointer.Length; i++)
        {
            if (i == pointer.Length || pointer[i] == '/')
            {
                tokens.Add(sb.ToString());
                sb.Clear();
                continue;
            }

            var c = pointer[i];
            if (c == '~')
            {
                if (i + 1 >= pointer.Length || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))
                {
                    return null;
                }

                sb.Append(pointer[i + 1] == '0' ? '~' : '/');
                i++;
            }
            else
            {
                sb.Append(c);
            }
        }

        return tokens;
    }

    private static JsonNode? ApplyOne(JsonNode? root, JsonObject op, int index)
    {
        TryGetString(op, "op", out var name);
        TryGetString(op, "path", out var path);
        var pathTokens = ParsePointer(path)!;
        var at = $"$[{index}]";
        switch (name)
        {
            case "add":
                return Add(root, pathTokens, op["value"]?.DeepClone(), path, at + ".path");
            case "remove":
                return Remove(root, pathTokens, path, at + ".path", out _);
            case "replace":
                Resolve(root, pathTokens, path, at + ".path");
                root = Remove(root, pathTokens, path, at + ".path", out _, allowRoot: true);
                return Add(root, pathTokens, op["value"]?.DeepClone(), path, at + ".path");
            case "move":
            {
                TryGetString(op, "from", out var from);
                var fromTokens = ParsePointer(from)!;
                if (string.Equals(from, path, StringComparison.Ordinal))
                {
                    Resolve(root, fromTokens, from, at + ".from");
                    return root;
                }

                if (path.StartsWith(from + "/", StringComparison.Ordinal) || from.Length == 0)
                {
                    throw new ValidationException(at + ".from", $"Cannot move '{from}' into its own child '{path}'.");
                }

                var value = Resolve(root, fromTokens, from, at + ".from");
                root = Remove(root, fromTokens, from, at + ".from", out _);
                return Add(root, pathTokens, value?.DeepClone(), path, at + ".path");
            }

            case "copy":
            {
                TryGetString(op, "from", out var from);
                var value = Resolve(root, ParsePointer(from)!, from, at + ".from");
                return Add(root, pathTokens, value?.DeepClone(), path, at + ".path");
            }

            default: // test
            {
                var actual = Resolve(root, pathTokens, path, at + ".path");
                if (!JsonEquals(actual, op["value"]))
                {
                    throw new ValidationException(at, $"Test failed: the value at '{path}' is {Describe(actual)}, expected {Describe(op["value"])}.");
                }

                return root;
            }
        }
    }

    private static string Describe(JsonNode? node)
    {
        var text = node is null ? "null" : node.ToJsonString();
        return text.Length > 80 ? string.Concat(text.AsSpan(0, 77), "...") : text;
    }

    private static JsonNode? Resolve(JsonNode? root, List<string> tokens, string pointer, string at)
    {
        var current = root;
        for (var i = 0; i < tokens.Count; i++)
        {
            current = Step(current, tokens[i], pointer, at);
        }

        return current;
    }

    private static JsonNode? Step(JsonNode? current, string token, string pointer, string at)
    {
        switch (current)
        {
            case JsonObject obj:
                if (!obj.TryGetPropertyValue(token, out var child))
                {
                    throw new ValidationException(at, $"'{pointer}' does not exist: no member '{token}'.");
                }

                return child;
            case JsonArray arr:
                var idx = ParseIndex(token, pointer, at);
                if (idx >= arr.Count)
                {
                    throw new ValidationException(at, $"'{pointer}' does not exist: index {token} is out of range (array length {arr.Count}).");
                }

                return arr[idx];
            default:
                throw new ValidationException(at, $"'{pointer}' does not exist: '{token}' is applied to a {KindName(current)}.");
        }
    }

    private static string KindName(JsonNode? node) => KindOf(node) switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var k => k.ToString().ToLowerInvariant(),
    };

    private static int ParseIndex(string token, string pointer, string at)
    {
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') || !token.All(char.IsAsciiDigit)
            || !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var idx))
        {
            throw new ValidationException(at, $"'{pointer}': '{token}' is not an array index.");
        }

        return idx;
    }

    private static JsonNode? Add(JsonNode? root, List<string> tokens, JsonNode? value, string pointer, string at)
    {
        if (tokens.Count == 0)
        {
            return value;
        }

        var parent = Resolve(root, tokens[..^1], pointer, at);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray arr:
                if (last == "-")
                {
                    arr.Add(value);
                    break;
                }

                var idx = ParseIndex(last, pointer, at);
                if (idx > arr.Count)
                {
                    throw new ValidationException(at, $"Cannot add at '{pointer}': index {idx} is past the end (array length {arr.Count}).");
                }

                arr.Insert(idx, value);
                break;
            default:
                throw new ValidationException(at, $"Cannot add at '{pointer}': the parent is a {KindName(parent)}, not an object or array.");
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode? root, List<string> tokens, string pointer, string at, out JsonNode? removed, bool allowRoot = false)
    {
        if (tokens.Count == 0)
        {
            if (!allowRoot)
            {
                throw new ValidationException(at, "Cannot remove the document root.");
            }

            removed = root;
            return null;
        }

        var parent = Resolve(root, tokens[..^1], pointer, at);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                if (!obj.TryGetPropertyValue(last, out removed))
                {
                    throw new ValidationException(at, $"'{pointer}' does not exist: no member '{last}'.");
                }

                obj.Remove(last);
                break;
            case JsonArray arr:
                var idx = ParseIndex(last, pointer, at);
                if (idx >= arr.Count)
                {
                    throw new ValidationException(at, $"'{pointer}' does not exist: index {idx} is out of range (array length {arr.Count}).");
                }

                removed = arr[idx];
                arr.RemoveAt(idx);
                break;
            default:
                throw new ValidationException(at, $"'{pointer}' does not exist: the parent is a {KindName(parent)}.");
        }

        return root;
    }
}
