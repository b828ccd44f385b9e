using System.Text;
using System.Text.Json.Nodes;

namespace IssueCore.AspNetCore.Tests;

/// <summary>
/// Generates ingestion bodies that are invalid by construction (never one the server may accept):
/// truncated JSON, wrong member types, oversized strings, deep nesting, invalid UTF-8, structural
/// faults, and byte-level mutations of a body that carries four malformed known members.
/// </summary>
internal sealed class InvalidBodyGenerator(int seed)
{
    public static readonly string[] Kinds = ["truncated", "wrong-type", "huge-string", "deep-nesting", "invalid-utf8", "structural", "mutated"];

    private static readonly string[] StringMembers = ["title", "description", "target_repo", "source_id", "triggering_event_id", "activity_definition_id", "blueprint_id", "intent"];
    private static readonly string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.: éß漢字🙂\"\\/\t";
    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0xFE], [0x80], [0xC3], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    private readonly Random _random = new(seed);

    public (string Kind, byte[] Body) Next(int index)
    {
        var kind = Kinds[index % Kinds.Length];
        var body = kind switch
        {
            "truncated" => Truncated(),
            "wrong-type" => Utf8(WrongType()),
            "huge-string" => Utf8(HugeString()),
            "deep-nesting" => Utf8(DeepNesting()),
            "invalid-utf8" => InvalidUtf8(),
            "structural" => Utf8(Structural()),
            _ => Mutated(),
        };
        return (kind, body);
    }

    /// <summary>A valid request with random contents.</summary>
    public JsonObject ValidObject()
    {
        var o = new JsonObject
        {
            ["title"] = Text(1, 40),
            ["description"] = Text(0, 80),
            ["target_repo"] = Identifier(),
            ["priority"] = Pick("high", "medium", "low"),
            ["labels"] = new JsonArray([.. Enumerable.Range(0, _random.Next(0, 5)).Select(_ => (JsonNode)Text(1, 20))]),
            ["due_in_days"] = _random.Next(2) == 0 ? null : _random.Next(0, 3651),
            ["source_type"] = Pick("rule", "instruction"),
            ["source_id"] = Text(1, 30),
            ["triggering_event_id"] = Guid.NewGuid().ToString(),
            ["activity_definition_id"] = Text(1, 30),
        };
        if (_random.Next(3) == 0)
        {
            o["patch"] = JsonNode.Parse("""[{"op":"replace","path":"/metadata/owner","value":"ops"}]""");
        }

        return o;
    }

    private byte[] Truncated()
    {
        // Every proper prefix of a compact JSON object is malformed.
        var full = Utf8(ValidObject());
        return full[.._random.Next(0, full.Length)];
    }

    private JsonObject WrongType()
    {
        var o = ValidObject();
        var member = Pick([.. StringMembers, "priority", "labels", "due_in_days", "source_type", "patch"]);
        o[member] = member switch
        {
            "priority" => Pick<JsonNode>("urgent", "HIGH", "", 2, true, new JsonArray("high")),
            "source_type" => Pick<JsonNode>("bot", "Rule", 0, false, new JsonObject()),
            "labels" => Pick<JsonNode>("sbom", 3, new JsonArray(1, 2), new JsonArray("ok", null), new JsonObject { ["a"] = "b" }),
            "due_in_days" => Pick<JsonNode>("7", 1.5, true, -1, 3651, 1e20, new JsonArray()),
            "patch" => Pick<JsonNode>(new JsonObject(), "add", 1, new JsonArray(1), JsonNode.Parse("""[{"op":"nope","path":"/a"}]""")!, JsonNode.Parse("""[{"op":"add","path":"a","value":1}]""")!, JsonNode.Parse("""[{"op":"move","path":"/a"}]""")!),
            _ => Pick<JsonNode>(42, -0.5, true, false, new JsonArray(), new JsonObject(), new JsonArray("x")),
        };
        return o;
    }

    private JsonObject HugeString()
    {
        var o = ValidObject();
        var (member, limit) = Pick(("title", 256), ("description", 16 * 1024), ("intent", 16 * 1024), ("target_repo", 200), ("source_id", 200), ("triggering_event_id", 200), ("activity_definition_id", 200), ("labels", 64));
        var huge = new string(Pick('x', 'é', '漢'), _random.Next(limit + 1, Math.Max(limit + 2, _random.Next(2) == 0 ? limit * 4 : 70_000)));
        if (member == "labels")
        {
            o[member] = new JsonArray(huge);
        }
        else
        {
            o[member] = huge;
        }

        return o;
    }

    private string DeepNesting()
    {
        var depth = _random.Next(2) == 0 ? _random.Next(65, 5000) : _random.Next(2, 60);
        var (open, close) = _random.Next(2) == 0 ? ("[", "]") : ("{\"a\":", "}");
        var nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        return _random.Next(3) switch
        {
            // Shallow nesting in patch is a malformed patch; deep nesting anywhere is malformed JSON.
            0 => Replace(ValidObject(), "patch", nested),
            1 => Replace(ValidObject(), "title", nested),
            _ => depth > 64 ? nested : "[" + nested + "]",
        };
    }

    private byte[] InvalidUtf8()
    {
        var json = Utf8(ValidObject());
        var bad = BadUtf8[_random.Next(BadUtf8.Length)];
        var at = _random.Next(0, json.Length + 1);
        return [.. json[..at], .. bad, .. json[at..]];
    }

    private string Structural()
    {
        var o = ValidObject();
        switch (_random.Next(10))
        {
            case 0:
                o.Remove(Pick("title", "target_repo", "priority", "source_type", "source_id", "triggering_event_id", "activity_definition_id"));
                return o.ToJsonString();
            case 1:
                var json = o.ToJsonString();
                return json[..^1] + ",\"title\":\"again\"}";
            case 2:
                o["due_in_days"] = "x_" + Identifier(); // an unknown member is ignored, so a wrong type stands in
                return o.ToJsonString();
            case 3:
                return Pick("[]", "1", "\"text\"", "null", "true", "{}", "[{}]");
            case 4:
                o["title"] = "a\u0000b";
                return o.ToJsonString();
            case 5:
                return o.ToJsonString().Replace("\"source_id\":\"", "\"source_id\":\"\\ud800", StringComparison.Ordinal);
            case 6:
                o[Pick("title", "target_repo", "source_id", "triggering_event_id", "activity_definition_id")] = Pick("", "   ");
                return o.ToJsonString();
            case 8:
                return "{\"\\ud800\":1," + o.ToJsonString()[1..];
            case 9:
                o["patch"] = JsonNode.Parse("""[{"op":"add","path":"/a","value":"__S__"}]""");
                return o.ToJsonString().Replace("__S__", Pick("\\udc00", "x\\ud800y"), StringComparison.Ordinal);
            default:
                o["labels"] = new JsonArray([.. Enumerable.Range(0, _random.Next(21, 40)).Select(i => (JsonNode)$"l{i}")]);
                return o.ToJsonString();
        }
    }

    private byte[] Mutated()
    {
        // Five malformed known members spread through the body (duplicates of one another too): at most three mutations
        // cannot repair them all. Unknown members would not do: they are ignored, not refused.
        var parts = new List<string> { "\"due_in_days\":\"zq_marker_1\"" };
        var valid = ValidObject();
        valid.Remove("due_in_days");
        var i = 0;
        foreach (var (name, value) in valid)
        {
            parts.Add($"\"{name}\":{value?.ToJsonString() ?? "null"}");
            if (++i % 4 == 0)
            {
                parts.Add($"\"due_in_days\":\"zq_marker_{(i / 4) + 1}\"");
            }
        }

        parts.Add("\"due_in_days\":\"zq_marker_9\"");
        var bytes = Encoding.UTF8.GetBytes("{" + string.Join(",", parts) + "}").ToList();
        for (var m = _random.Next(1, 4); m > 0 && bytes.Count > 1; m--)
        {
            var at = _random.Next(bytes.Count);
            switch (_random.Next(4))
            {
                case 0: bytes[at] = (byte)_random.Next(256); break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, (byte)_random.Next(256)); break;
                default:
                    var length = _random.Next(1, Math.Min(16, bytes.Count - at) + 1);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
            }
        }

        return [.. bytes];
    }

    private static string Replace(JsonObject o, string member, string rawValue)
    {
        o[member] = "__RAW__";
        return o.ToJsonString().Replace("\"__RAW__\"", rawValue, StringComparison.Ordinal);
    }

    private static byte[] Utf8(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private string Text(int min, int max)
    {
        var length = _random.Next(min, max + 1);
        var sb = new StringBuilder(length);
        while (sb.Length < length)
        {
            sb.Append(Alphabet[_random.Next(Alphabet.Length)]);
            if (char.IsHighSurrogate(sb[^1]))
            {
                sb.Length--;
            }
        }

        var text = sb.ToString();
        return string.IsNullOrWhiteSpace(text) ? "t" + text : text;
    }

    private string Identifier() => "repo-" + _random.Next(1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private T Pick<T>(params T[] items) => items[_random.Next(items.Length)];
}
