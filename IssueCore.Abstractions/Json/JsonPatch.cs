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
/// or throws. <c>test</c> compares by JSON value: numbers as the canonical form does, by their IEEE 754
/// double value (<c>1</c> equals <c>1.0</c>, <c>0</c> does not equal <c>1e-30</c>; a number beyond the double
/// range is refused), object members in any order, arrays element by element.
/// <para>
/// Every limit is checked before anything is copied: a pointer has at most
/// <see cref="JsonLimits.MaxPointerSegments"/> reference tokens, the document and every value nest at most
/// <see cref="JsonLimits.MaxDocumentDepth"/> levels and so does the result after each operation (a
/// <c>copy</c> into its own source can only deepen the document by the source's depth), and one patch
/// clones at most <see cref="MaxClonedValues"/> JSON values (a chain of such copies doubles the
/// document each time). Breaking one is a <see cref="ValidationException"/>; no input can exhaust the
/// stack or grow the document without bound.
/// </para>
/// </remarks>
public static partial class JsonPatch
{
    /// <summary>
    /// The most JSON values (objects, arrays and scalars, counted over every copied or added value) one
    /// patch may clone into the document: 1,048,576.
    /// </summary>
    public const int MaxClonedValues = 1 << 20;

    private static readonly string[] KnownOps = ["add", "remove", "replace", "move", "copy", "test"];

    /// <summary>Applies a patch (a JSON array of operations) to a document and returns the patched copy.</summary>
    /// <param name="document">The document; <see langword="null"/> is the JSON literal <c>null</c>.</param>
    /// <param name="operations">The patch: an array of operation objects.</param>
    /// <returns>A new document; <paramref name="document"/> is left unchanged.</returns>
    /// <exception cref="ValidationException">
    /// The patch is malformed, or an operation failed; the error's path names the operation and member,
    /// for example <c>$[3].path</c>.
    /// </exception>
    public static JsonNode? Apply(JsonNode? document, JsonNode? operations) => ApplyCore(document, operations, copy: true);

    /// <summary>
    /// Applies a patch to a document the caller owns, changing that document instead of a copy of it: for a document
    /// built only to be patched (parsed, or converted from another form), this saves copying all of it.
    /// </summary>
    /// <param name="document">The document, changed in place; <see langword="null"/> is the JSON literal <c>null</c>.</param>
    /// <param name="operations">The patch: an array of operation objects.</param>
    /// <returns>
    /// The patched document: <paramref name="document"/> itself, or the value that replaced it when an operation targets
    /// the whole document (the pointer <c>""</c>).
    /// </returns>
    /// <remarks>
    /// The checks, limits and errors are those of <see cref="Apply"/>, but an operation that fails leaves the document
    /// with the operations before it applied: throw the document away then (RFC 6902 makes a failed patch change
    /// nothing, which <see cref="Apply"/> keeps by working on a copy).
    /// </remarks>
    /// <exception cref="ValidationException">
    /// The patch is malformed, or an operation failed; the error's path names the operation and member,
    /// for example <c>$[3].path</c>.
    /// </exception>
    public static JsonNode? ApplyInPlace(JsonNode? document, JsonNode? operations) => ApplyCore(document, operations, copy: false);

    private static JsonNode? ApplyCore(JsonNode? document, JsonNode? operations, bool copy)
    {
        var errors = Validate(operations);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        if (JsonDepth.Of(document, JsonLimits.MaxDocumentDepth) > JsonLimits.MaxDocumentDepth)
        {
            throw new ValidationException("$", $"The document to patch nests deeper than {JsonLimits.MaxDocumentDepth} levels.");
        }

        var ops = (JsonArray)operations!;
        var root = copy ? document?.DeepClone() : document;
        long cloned = 0;
        for (var i = 0; i < ops.Count; i++)
        {
            var op = (JsonObject)ops[i]!;
            root = ApplyOne(root, op, i, ref cloned);
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

            var segments = CheckPointer(op, "path", at, errors);
            if (name is "move" or "copy")
            {
                CheckPointer(op, "from", at, errors);
            }

            if (name is "add" or "replace" or "test")
            {
                if (!op.TryGetPropertyValue("value", out var value))
                {
                    errors.Add(new ValidationError(at + ".value", $"Member 'value' is required for '{name}'."));
                }
                else if (segments + JsonDepth.Of(value, JsonLimits.MaxDocumentDepth) > JsonLimits.MaxDocumentDepth)
                {
                    // Within a document of the accepted depth, nothing this deep can be added, replaced or matched.
                    errors.Add(new ValidationError(
                        at + ".value",
                        $"The value at a path of {segments} reference tokens would nest deeper than {JsonLimits.MaxDocumentDepth} levels, the most a document may."));
                }
            }
        }

        return errors;
    }

    /// <summary>
    /// Compares two JSON values: numbers as the canonical form does (by IEEE 754 double value), object
    /// members in any order, arrays in order. The walk is iterative, so any depth is compared safely.
    /// </summary>
    /// <param name="left">One value (<see langword="null"/> is JSON null).</param>
    /// <param name="right">The other value.</param>
    /// <returns><see langword="true"/> when both are the same JSON value.</returns>
    /// <exception cref="ValidationException">A number compared is beyond the IEEE 754 double range (it has no canonical form).</exception>
    public static bool JsonEquals(JsonNode? left, JsonNode? right)
    {
        var pending = new Stack<(JsonNode? Left, JsonNode? Right)>();
        pending.Push((left, right));
        while (pending.Count > 0)
        {
            var (l, r) = pending.Pop();
            var lk = KindOf(l);
            var rk = KindOf(r);
            if (lk != rk)
            {
                return false;
            }

            switch (lk)
            {
                case JsonValueKind.String:
                    if (!string.Equals(l!.GetValue<string>(), r!.GetValue<string>(), StringComparison.Ordinal))
                    {
                        return false;
                    }

                    break;
                case JsonValueKind.Number:
                    if (ToDouble(l!) != ToDouble(r!))
                    {
                        return false;
                    }

                    break;
                case JsonValueKind.Array:
                    var la = (JsonArray)l!;
                    var ra = (JsonArray)r!;
                    if (la.Count != ra.Count)
                    {
                        return false;
                    }

                    for (var i = la.Count - 1; i >= 0; i--)
                    {
                        pending.Push((la[i], ra[i]));
                    }

                    break;
                case JsonValueKind.Object:
                    var lo = (JsonObject)l!;
                    var ro = (JsonObject)r!;
                    if (lo.Count != ro.Count)
                    {
                        return false;
                    }

                    foreach (var (key, value) in lo)
                    {
                        if (!ro.TryGetPropertyValue(key, out var other))
                        {
                            return false;
                        }

                        pending.Push((value, other));
                    }

                    break;
                case JsonValueKind.Null:
                case JsonValueKind.True:
                case JsonValueKind.False:
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    private static JsonValueKind KindOf(JsonNode? node) => node is null ? JsonValueKind.Null : node.GetValueKind();

    private static double ToDouble(JsonNode number)
    {
        // As RFC 8785 reads a number: the nearest IEEE 754 double. One beyond the range has no canonical
        // form, so it equals nothing: it is refused rather than rounded to infinity.
        var value = number.AsValue();
        var d = value.TryGetValue<double>(out var direct)
            ? direct
            : double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(d))
        {
            throw new ValidationException("$", $"The number {Describe(number)} is outside the IEEE 754 double range.");
        }

        return d;
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

    /// <returns>The pointer's number of reference tokens (0 when it is missing or malformed).</returns>
    private static int CheckPointer(JsonObject op, string member, string at, List<ValidationError> errors)
    {
        if (!TryGetString(op, member, out var pointer))
        {
            errors.Add(new ValidationError($"{at}.{member}", $"Member '{member}' is required and must be a JSON Pointer string."));
            return 0;
        }

        if (SegmentCount(pointer) > JsonLimits.MaxPointerSegments)
        {
            errors.Add(new ValidationError($"{at}.{member}", $"The pointer has {SegmentCount(pointer)} reference tokens; at most {JsonLimits.MaxPointerSegments} are accepted."));
            return 0;
        }

        if (ParsePointer(pointer) is not { } tokens)
        {
            errors.Add(new ValidationError($"{at}.{member}", $"'{Truncate(pointer)}' is not a JSON Pointer: it must be empty or start with '/', and '~' must be followed by '0' or '1'."));
            return 0;
        }

        return tokens.Count;
    }

    private static int SegmentCount(string pointer) => pointer.AsSpan().Count('/');

    private static string Truncate(string text) => text.Length > 80 ? string.Concat(text.AsSpan(0, 77), "...") : text;

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

    private static JsonNode? ApplyOne(JsonNode? root, JsonObject op, int index, ref long cloned)
    {
        TryGetString(op, "op", out var name);
        TryGetString(op, "path", out var path);
        var pathTokens = ParsePointer(path)!;
        var at = $"$[{index}]";
        switch (name)
        {
            case "add":
                return Add(root, pathTokens, Clone(op["value"], pathTokens, at, ref cloned), path, at + ".path");
            case "remove":
                return Remove(root, pathTokens, path, at + ".path", out _);
            case "replace":
                Resolve(root, pathTokens, path, at + ".path");
                var replacement = Clone(op["value"], pathTokens, at, ref cloned);
                root = Remove(root, pathTokens, path, at + ".path", out _, allowRoot: true);
                return Add(root, pathTokens, replacement, path, at + ".path");
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
                CheckResultDepth(JsonDepth.Of(value, JsonLimits.MaxDocumentDepth), pathTokens, at);
                root = Remove(root, fromTokens, from, at + ".from", out var removed);

                // The removed value is detached from the document, so it moves without a copy.
                return Add(root, pathTokens, removed, path, at + ".path");
            }

            case "copy":
            {
                TryGetString(op, "from", out var from);
                var value = Resolve(root, ParsePointer(from)!, from, at + ".from");
                return Add(root, pathTokens, Clone(value, pathTokens, at, ref cloned), path, at + ".path");
            }

            default: // test
            {
                var actual = Resolve(root, pathTokens, path, at + ".path");
                bool equal;
                try
                {
                    equal = JsonEquals(actual, op["value"]);
                }
                catch (ValidationException ex)
                {
                    throw new ValidationException(at + ".value", ex.Errors[0].Message);
                }

                if (!equal)
                {
                    throw new ValidationException(at, $"Test failed: the value at '{path}' is {Describe(actual)}, expected {Describe(op["value"])}.");
                }

                return root;
            }
        }
    }

    /// <summary>
    /// Clones a value about to be written at <paramref name="pathTokens"/>, after checking, without
    /// recursion, that the result stays within the document depth and the patch within its clone budget.
    /// </summary>
    private static JsonNode? Clone(JsonNode? value, List<string> pathTokens, string at, ref long cloned)
    {
        var depth = JsonDepth.Of(value, JsonLimits.MaxDocumentDepth, out var nodes);
        CheckResultDepth(depth, pathTokens, at);
        cloned += nodes;
        if (cloned > MaxClonedValues)
        {
            throw new ValidationException(at, $"The patch copies more than {MaxClonedValues} JSON values into the document.");
        }

        return value?.DeepClone();
    }

    private static void CheckResultDepth(int valueDepth, List<string> pathTokens, string at)
    {
        var depth = valueDepth + pathTokens.Count;
        if (depth > JsonLimits.MaxDocumentDepth)
        {
            throw new ValidationException(
                at + ".path",
                $"The result would nest {(valueDepth > JsonLimits.MaxDocumentDepth ? "more than " + JsonLimits.MaxDocumentDepth.ToString(CultureInfo.InvariantCulture) : depth.ToString(CultureInfo.InvariantCulture))} levels; a document nests at most {JsonLimits.MaxDocumentDepth}.");
        }
    }

    private static string Describe(JsonNode? node)
    {
        if (node is null)
        {
            return "null";
        }

        // The writer refuses values nested deeper than its own limit; a value that deep is described by its depth.
        if (JsonDepth.Of(node, JsonLimits.MaxRecordDepth) > JsonLimits.MaxRecordDepth)
        {
            return $"a {KindName(node)} nested deeper than {JsonLimits.MaxRecordDepth} levels";
        }

        return Truncate(node.ToJsonString());
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
