using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;

namespace IssueCore.Cli.Output;

/// <summary>A change between two JSON documents, as the RFC 6902 patch and as a readable side-by-side table.</summary>
internal static class DiffView
{
    public static JsonArray Patch(JsonElement from, JsonElement to) => JsonPatch.Diff(from, to);

    /// <summary>One row per operation: the op, the pointer, the value before (in <paramref name="from"/>) and after.</summary>
    public static TextTable SideBySide(JsonElement from, JsonArray patch)
    {
        var before = JsonNode.Parse(from.GetRawText(), documentOptions: new JsonDocumentOptions { MaxDepth = JsonLimits.MaxRecordDepth });
        var table = new TextTable("OP", "PATH", "BEFORE", "AFTER");
        foreach (var op in patch)
        {
            var name = (string?)op!["op"] ?? string.Empty;
            var path = (string?)op["path"] ?? string.Empty;
            var old = name == "add" ? "(none)" : Compact(Find(before, path));
            var now = name == "remove" ? "(removed)" : Compact(op["value"]);
            table.Add(name, path == string.Empty ? "(root)" : path, old, now);
        }

        return table;
    }

    public static void Write(CliOutput output, JsonElement from, JsonArray patch)
    {
        if (patch.Count == 0)
        {
            output.Out.WriteLine("No change.");
            return;
        }

        output.Out.WriteLine("Side by side:");
        SideBySide(from, patch).WriteTo(output.Out);
        output.Out.WriteLine();
        output.Out.WriteLine("RFC 6902 patch:");
        output.Out.WriteLine(CliOutput.Pretty(patch));
    }

    private static string Compact(JsonNode? node) => node?.ToJsonString() ?? "null";

    private static JsonNode? Find(JsonNode? root, string pointer)
    {
        var current = root;
        if (pointer.Length == 0)
        {
            return current;
        }

        foreach (var raw in pointer[1..].Split('/'))
        {
            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            current = current switch
            {
                JsonObject obj => obj[token],
                JsonArray arr when int.TryParse(token, out var i) && i < arr.Count => arr[i],
                _ => null,
            };
        }

        return current;
    }
}
