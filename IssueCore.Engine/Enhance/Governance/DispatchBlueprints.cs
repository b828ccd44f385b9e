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

        JsonElement element;
        try
        {
            element = JsonSerializer.SerializeToElement(node, TextOptions); // a copy of its bytes while it is not materialised
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException)
        {
            // A value JSON text cannot hold (a NaN, say): the usual build reports it as it always did.
            return Blueprint.FromNode(node);
        }

        var text = element.GetRawText();
        lock (_lock)
        {
            // Under the lock: the other branches of a fan-out asking for the same document wait for this one build.
            if (_byText.TryGetValue(text, out var known))
            {
                return known;
            }

            // The same content in another member order (a script's output) is found without canonicalising it.
            foreach (var candidate in _distinct)
            {
                if (SameContent(element, candidate.Root))
                {
                    Remember(text, candidate);
                    return candidate;
                }
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

    /// <summary>
    /// Whether <paramref name="value"/> holds exactly the content of <paramref name="known"/>, a canonical document (no
    /// duplicate member names), so that both have the same canonical form. Numbers count as equal only when written
    /// alike; another spelling of the same number is reported as different and goes the canonical way.
    /// </summary>
    private static bool SameContent(JsonElement value, JsonElement known)
    {
        if (value.ValueKind != known.ValueKind)
        {
            return false;
        }

        switch (known.ValueKind)
        {
            case JsonValueKind.Object:
                // Every distinct member of the known object is in the value, and the value has no more members than
                // that, so it has no duplicates and no other members either.
                var count = 0;
                foreach (var member in known.EnumerateObject())
                {
                    count++;
                    if (!value.TryGetProperty(member.Name, out var other) || !SameContent(other, member.Value))
                    {
                        return false;
                    }
                }

                var valueCount = 0;
                foreach (var unused in value.EnumerateObject())
                {
                    if (++valueCount > count)
                    {
                        return false;
                    }
                }

                return valueCount == count;
            case JsonValueKind.Array:
                if (value.GetArrayLength() != known.GetArrayLength())
                {
                    return false;
                }

                using (var values = value.EnumerateArray().GetEnumerator())
                {
                    foreach (var item in known.EnumerateArray())
                    {
                        if (!values.MoveNext() || !SameContent(values.Current, item))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case JsonValueKind.String:
                return value.ValueEquals(known.GetString());
            case JsonValueKind.Number:
                return string.Equals(value.GetRawText(), known.GetRawText(), StringComparison.Ordinal);
            default:
                return true; // true, false, null: the kind is the value
        }
    }

    private bool Remember(string text, Blueprint blueprint)
        => _byText.Count < Capacity && _byText.TryAdd(text, blueprint);
}
