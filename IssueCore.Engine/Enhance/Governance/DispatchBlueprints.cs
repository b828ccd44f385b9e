using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Json;

namespace IssueCore.Enhance.Governance;

/// <summary>
/// The Blueprints of one dispatch, each built once (canonical text, parse, hash) and shared: the head the dispatcher
/// read, and the document the flow proposes, which every verifier-router branch, the commit decision and the host's
/// review each receive as JSON. A document is found by its JSON text first (the branches of a fan-out see the same
/// bytes), then by comparing its content with the documents already built (the same content written in another member
/// order, as a script returns it), then by its canonical text; only a document whose canonical text is new is parsed
/// and hashed. Parallel branches asking for the same document
/// wait for one build instead of each building it. Bounded to <see cref="Capacity"/> texts; a Blueprint is immutable,
/// so sharing it is safe.
/// </summary>
internal sealed class DispatchBlueprints
{
    /// <summary>How many texts are remembered (a dispatch needs the head and one proposal, each under two or three texts).</summary>
    public const int Capacity = 16;

    // As deep as a Blueprint may nest (ToJsonString's default stops at 64 levels).
    private static readonly JsonSerializerOptions TextOptions = new() { MaxDepth = CanonicalJson.MaxDepth + 1 };

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Blueprint> _byText = new(StringComparer.Ordinal);
    private readonly List<Blueprint> _distinct = [];

    /// <param name="head">The head the dispatch started from, when it has one.</param>
    public DispatchBlueprints(Blueprint? head)
    {
        if (head is not null)
        {
            _byText[head.CanonicalJson] = head;
            _distinct.Add(head);
        }
    }

    /// <summary>As <see cref="Blueprint.FromNode"/>: the Blueprint of <paramref name="node"/>, built at most once per dispatch.</summary>
    /// <exception cref="ValidationException">The node is not a JSON object, or holds a value that has no canonical form (as <see cref="Blueprint.FromNode"/> says).</exception>
    public Blueprint FromNode(JsonNode? node)
    {
        if (node is not JsonObject)
        {
            return Blueprint.FromNode(node); // throws the usual error
        }

        string text;
        try
        {
            text = node.ToJsonString(TextOptions);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException)
        {
            // A value JSON text cannot hold (a NaN, say): the usual build reports it as it always did.
            return Blueprint.FromNode(node);
        }

        lock (_lock)
        {
            // Under the lock: the other branches of a fan-out asking for the same document wait for this one build.
            if (_byText.TryGetValue(text, out var known))
            {
                return known;
            }

            // The same content in another member order (a script's output) is found without canonicalising it.
            if (Compare(node) is { } same)
            {
                Remember(text, same);
                return same;
            }

            // Throws, as Blueprint.FromNode would, when the document has no canonical form: nothing is remembered then.
            var canonical = CanonicalJson.Serialize(node);
            if (!_byText.TryGetValue(canonical, out var built))
            {
                built = Blueprint.FromNode(node);
                if (Remember(canonical, built))
                {
                    _distinct.Add(built);
                }
            }

            Remember(text, built);
            return built;
        }
    }

    /// <summary>The Blueprint already built whose content <paramref name="node"/> holds, or <see langword="null"/>.</summary>
    private Blueprint? Compare(JsonNode node)
    {
        try
        {
            foreach (var candidate in _distinct)
            {
                if (SameContent(node, candidate.Root))
                {
                    return candidate;
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException)
        {
            // A node that cannot be read as JSON: the canonical way reports it as a fresh build would.
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="value"/> holds exactly the content of <paramref name="known"/>, a canonical document (no
    /// duplicate member names), so that both have the same canonical form. Numbers count as equal only when written
    /// alike; another spelling of the same number is reported as different and goes the canonical way.
    /// </summary>
    private static bool SameContent(JsonNode? value, JsonElement known)
    {
        switch (known.ValueKind)
        {
            case JsonValueKind.Object:
                if (value is not JsonObject obj || obj.Count != CountMembers(known))
                {
                    return false;
                }

                // As many members as the known object, each of its (distinct) names among them: the same names.
                foreach (var member in known.EnumerateObject())
                {
                    if (!obj.TryGetPropertyValue(member.Name, out var other) || !SameContent(other, member.Value))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                if (value is not JsonArray array || array.Count != known.GetArrayLength())
                {
                    return false;
                }

                var index = 0;
                foreach (var item in known.EnumerateArray())
                {
                    if (!SameContent(array[index++], item))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Null:
                return value is null || (value is JsonValue nullValue && nullValue.GetValueKind() == JsonValueKind.Null);
            default:
                if (value is not JsonValue scalar || scalar.GetValueKind() != known.ValueKind)
                {
                    return false;
                }

                return known.ValueKind switch
                {
                    JsonValueKind.String => scalar.TryGetValue<string>(out var text) && known.ValueEquals(text),
                    JsonValueKind.Number => NumberText(scalar) is { } number && string.Equals(number, known.GetRawText(), StringComparison.Ordinal),
                    _ => true, // true, false: the kind is the value
                };
        }
    }

    private static int CountMembers(JsonElement obj)
    {
        var count = 0;
        foreach (var unused in obj.EnumerateObject())
        {
            count++;
        }

        return count;
    }

    /// <summary>How the number is written, or <see langword="null"/> when it cannot be (a NaN, say: the canonical way reports it).</summary>
    private static string? NumberText(JsonValue number)
    {
        if (number.TryGetValue<JsonElement>(out var element))
        {
            return element.GetRawText();
        }

        try
        {
            return number.ToJsonString();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException)
        {
            return null;
        }
    }

    private bool Remember(string text, Blueprint blueprint)
        => _byText.Count < Capacity && _byText.TryAdd(text, blueprint);
}
