using System.Runtime.InteropServices;
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

    // As deep as a Blueprint may nest (JSON text's default stops at 64 levels); the default encoder, as ToJsonString has.
    private static readonly JsonWriterOptions TextOptions = new() { MaxDepth = CanonicalJson.MaxDepth + 1 };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = CanonicalJson.MaxDepth + 1 };

    private readonly Lock _lock = new();

    // Each text as UTF-8: its own bytes, or null for a Blueprint's canonical text (the raw bytes of its Root, which was
    // parsed from exactly that text), so the head costs no copy.
    private readonly List<(byte[]? Text, Blueprint Blueprint)> _byText = [];
    private readonly List<Blueprint> _distinct = [];

    /// <param name="head">The head the dispatch started from, when it has one.</param>
    public DispatchBlueprints(Blueprint? head)
    {
        if (head is not null)
        {
            _byText.Add((null, head));
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

        // The node as JSON text, into pooled bytes: a branch's copy of a document it shares with the others is found
        // without a string of the whole document per lookup.
        using var text = new PooledUtf8Buffer();
        try
        {
            using var writer = new Utf8JsonWriter(text, TextOptions);
            node.WriteTo(writer);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException)
        {
            // A value JSON text cannot hold (a NaN, say): the usual build reports it as it always did.
            return Blueprint.FromNode(node);
        }

        lock (_lock)
        {
            // Under the lock: the other branches of a fan-out asking for the same document wait for this one build.
            if (Find(text.WrittenSpan) is { } known)
            {
                return known;
            }

            // The same content in another member order (a script's output) is found without canonicalising it.
            if (Compare(text.WrittenMemory) is { } same)
            {
                Remember(text.WrittenSpan, same);
                return same;
            }

            // Throws, as Blueprint.FromNode would, when the document has no canonical form: nothing is remembered then.
            // One canonical write serves the lookup and the build (the candidate is dropped when its content is known).
            var candidate = Blueprint.FromNode(node);
            var built = Find(JsonMarshal.GetRawUtf8Value(candidate.Root));
            if (built is null)
            {
                built = candidate;
                if (_byText.Count < Capacity)
                {
                    _byText.Add((null, built));
                    _distinct.Add(built);
                }
            }

            Remember(text.WrittenSpan, built);
            return built;
        }
    }

    /// <summary>The Blueprint remembered under <paramref name="text"/>, or <see langword="null"/>.</summary>
    private Blueprint? Find(ReadOnlySpan<byte> text)
    {
        foreach (var (bytes, blueprint) in _byText)
        {
            var known = bytes is null ? JsonMarshal.GetRawUtf8Value(blueprint.Root) : bytes;
            if (known.SequenceEqual(text))
            {
                return blueprint;
            }
        }

        return null;
    }

    private void Remember(ReadOnlySpan<byte> text, Blueprint blueprint)
    {
        if (_byText.Count < Capacity && Find(text) is null)
        {
            _byText.Add((text.ToArray(), blueprint));
        }
    }

    /// <summary>The Blueprint already built whose content <paramref name="text"/> holds, or <see langword="null"/>.</summary>
    /// <remarks>
    /// The text (the node as written) is read as one <see cref="JsonDocument"/> and compared element by element: walking
    /// the node instead would build a dictionary for each of its objects that was still only backed by JSON.
    /// </remarks>
    private Blueprint? Compare(ReadOnlyMemory<byte> text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, DocumentOptions);

            // Newest first: a document not yet known by its text is most often the proposal, built after the head.
            for (var i = _distinct.Count - 1; i >= 0; i--)
            {
                if (SameContent(document.RootElement, _distinct[i].Root))
                {
                    return _distinct[i];
                }
            }
        }
        catch (JsonException)
        {
            // Text the reader refuses (deeper than a Blueprint may nest, say): the canonical way reports it as a fresh build would.
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="value"/> holds exactly the content of <paramref name="known"/>, a canonical document (no
    /// duplicate member names), so that both have the same canonical form. <paramref name="value"/> was written from a
    /// node, so it has no duplicate member names either. Numbers count as equal only when written alike; another spelling
    /// of the same number is reported as different and goes the canonical way. Compared on the raw UTF-8 bytes, with no
    /// string made, except for a name or a string that holds an escape.
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
                if (CountMembers(value) != CountMembers(known))
                {
                    return false;
                }

                // As many members as the known object, each of its (distinct) names among them: the same names.
                foreach (var member in known.EnumerateObject())
                {
                    var name = JsonMarshal.GetRawUtf8PropertyName(member);
                    var found = name.IndexOf((byte)'\\') < 0
                        ? value.TryGetProperty(name, out var other)
                        : value.TryGetProperty(member.Name, out other);
                    if (!found || !SameContent(other, member.Value))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                if (value.GetArrayLength() != known.GetArrayLength())
                {
                    return false;
                }

                var items = value.EnumerateArray();
                foreach (var item in known.EnumerateArray())
                {
                    items.MoveNext();
                    if (!SameContent(items.Current, item))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(value);
                var knownRaw = JsonMarshal.GetRawUtf8Value(known);
                if (raw.SequenceEqual(knownRaw))
                {
                    return true;
                }

                // Different bytes are different strings unless an escape spells a character another way.
                return (raw.IndexOf((byte)'\\') >= 0 || knownRaw.IndexOf((byte)'\\') >= 0) && known.ValueEquals(value.GetString());
            case JsonValueKind.Number:
                return JsonMarshal.GetRawUtf8Value(value).SequenceEqual(JsonMarshal.GetRawUtf8Value(known));
            default:
                return true; // null, true, false: the kind is the value
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
}
