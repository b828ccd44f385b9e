using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace IssueCore.Flows;

/// <summary>
/// A parsed path in the flow's JSONPath subset: <c>$</c>, <c>$.a.b</c>, <c>$.a[0]</c> (and combinations
/// such as <c>$.a[0].b</c>). Property names are letters, digits, <c>_</c> and <c>-</c>, not starting with a digit.
/// </summary>
internal sealed class CtxPath
{
    private readonly object[] _segments; // string (property) or int (index)

    private CtxPath(string text, object[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public static CtxPath Root { get; } = new("$", []);

    public string Text { get; }

    public bool IsRoot => _segments.Length == 0;

    public static bool TryParse(string? text, out CtxPath path, out string error)
    {
        path = Root;
        error = string.Empty;
        if (string.IsNullOrEmpty(text) || text[0] != '$')
        {
            error = $"'{text}' is not a path: it must start with '$'.";
            return false;
        }

        var segments = new List<object>();
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-'))
                {
                    i++;
                }

                if (i == start || char.IsAsciiDigit(text[start]))
                {
                    error = $"'{text}' is not a valid path: expected a property name at offset {start}.";
                    return false;
                }

                segments.Add(text[start..i]);
            }
            else if (text[i] == '[')
            {
                var start = ++i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                if (i == start || i >= text.Length || text[i] != ']'
                    || !int.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    error = $"'{text}' is not a valid path: expected a non-negative index and ']' at offset {start}.";
                    return false;
                }

                i++;
                segments.Add(index);
            }
            else
            {
                error = $"'{text}' is not a valid path: unexpected '{text[i]}' at offset {i}.";
                return false;
            }
        }

        path = new CtxPath(text, [.. segments]);
        return true;
    }

    public static CtxPath Parse(string text)
        => TryParse(text, out var path, out var error) ? path : throw new ValidationException("$", error);

    /// <summary>Reads the value at the path; a missing member or index reads as <see langword="null"/>.</summary>
    public JsonNode? Get(JsonNode? root)
    {
        var current = root;
        foreach (var segment in _segments)
        {
            current = segment switch
            {
                string name when current is JsonObject obj => obj.TryGetPropertyValue(name, out var v) ? v : null,
                int index when current is JsonArray arr => index < arr.Count ? arr[index] : null,
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>
    /// Reads the value at the path, telling a missing member or index (<see langword="false"/>) apart from a
    /// present JSON <c>null</c> (<see langword="true"/> with a <see langword="null"/> value).
    /// </summary>
    public bool TryGet(JsonNode? root, out JsonNode? value)
    {
        var current = root;
        foreach (var segment in _segments)
        {
            switch (segment)
            {
                case string name when current is JsonObject obj && obj.TryGetPropertyValue(name, out var v):
                    current = v;
                    break;
                case int index when current is JsonArray arr && index < arr.Count:
                    current = arr[index];
                    break;
                default:
                    value = null;
                    return false;
            }
        }

        value = current;
        return true;
    }

    /// <summary>
    /// Writes a (deep-copied) value at the path, creating missing intermediate objects. An index may address an
    /// existing element or append at the end. Writing <c>$</c> replaces the whole ctx and requires an object.
    /// </summary>
    /// <exception cref="FlowFaultException">The path runs through a value of the wrong type.</exception>
    public void Set(JsonObject root, JsonNode? value, string nodePath) => Adopt(root, value?.DeepClone(), nodePath);

    /// <summary>
    /// Writes <paramref name="value"/> itself at the path, without copying it, as <see cref="Set"/> would write a copy.
    /// The value must be detached (no parent) and owned by the caller, who does not use it elsewhere afterwards.
    /// </summary>
    /// <exception cref="FlowFaultException">The path runs through a value of the wrong type.</exception>
    public void Adopt(JsonObject root, JsonNode? value, string nodePath)
    {
        var copy = value;
        if (IsRoot)
        {
            if (copy is not JsonObject obj)
            {
                throw new FlowFaultException(nodePath, FlowErrorKinds.Path, "Only a JSON object can be written at '$'.");
            }

            root.Clear();
            foreach (var (k, v) in obj.ToList())
            {
                obj.Remove(k);
                root[k] = v;
            }

            return;
        }

        JsonNode parent = root;
        for (var s = 0; s < _segments.Length; s++)
        {
            var last = s == _segments.Length - 1;
            var segment = _segments[s];
            if (segment is string name)
            {
                if (parent is not JsonObject obj)
                {
                    throw new FlowFaultException(nodePath, FlowErrorKinds.Path, $"Cannot write '{Text}': '{Prefix(s)}' is not an object.");
                }

                if (last)
                {
                    obj[name] = copy;
                    return;
                }

                if (!obj.TryGetPropertyValue(name, out var next) || next is null)
                {
                    next = _segments[s + 1] is int ? new JsonArray() : new JsonObject();
                    obj[name] = next;
                }

                parent = next;
            }
            else
            {
                var index = (int)segment;
                if (parent is not JsonArray arr)
                {
                    throw new FlowFaultException(nodePath, FlowErrorKinds.Path, $"Cannot write '{Text}': '{Prefix(s)}' is not an array.");
                }

                if (index > arr.Count)
                {
                    throw new FlowFaultException(nodePath, FlowErrorKinds.Path, $"Cannot write '{Text}': index {index} is beyond the end of an array of {arr.Count}.");
                }

                if (last)
                {
                    if (index == arr.Count)
                    {
                        arr.Add(copy);
                    }
                    else
                    {
                        arr[index] = copy;
                    }

                    return;
                }

                if (index == arr.Count)
                {
                    arr.Add(_segments[s + 1] is int ? new JsonArray() : new JsonObject());
                }

                parent = arr[index] ??= _segments[s + 1] is int ? new JsonArray() : new JsonObject();
            }
        }
    }

    public override string ToString() => Text;

    private string Prefix(int count)
    {
        var sb = new StringBuilder("$");
        for (var i = 0; i < count; i++)
        {
            _ = _segments[i] is string n ? sb.Append('.').Append(n) : sb.Append('[').Append((int)_segments[i]).Append(']');
        }

        return sb.ToString();
    }
}
