using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Json;

namespace IssueCore.Cli.Commands;

/// <summary>Reads the JSON files a command is given, reporting a problem with the file, the JSON path and the line.</summary>
internal static class JsonFiles
{
    /// <summary>The largest input file read: 16 MiB.</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>Reads and parses a file; <see langword="null"/> with the problem when it cannot.</summary>
    public static JsonNode? Read(string file, List<FileProblem> problems, out bool missing)
    {
        missing = false;
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            missing = true;
            problems.Add(new FileProblem(file, "$", "The file does not exist."));
            return null;
        }

        if (info.Length > MaxFileBytes)
        {
            problems.Add(new FileProblem(file, "$", $"The file is {info.Length} bytes; at most {MaxFileBytes} are read."));
            return null;
        }

        try
        {
            var text = File.ReadAllText(file);
            var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = JsonLimits.MaxDocumentDepth });
            if (node is null)
            {
                problems.Add(new FileProblem(file, "$", "The file holds the JSON literal null."));
            }

            return node;
        }
        catch (JsonException ex)
        {
            problems.Add(new FileProblem(file, ex.Path ?? "$", Describe(ex)));
            return null;
        }
    }

    /// <summary>Reads a Blueprint file: JSON, an object with a valid <c>id</c>, within the document limits.</summary>
    public static Blueprint? ReadBlueprint(string file, List<FileProblem> problems, out bool missing)
    {
        var node = Read(file, problems, out missing);
        if (node is null)
        {
            return null;
        }

        Blueprint blueprint;
        try
        {
            blueprint = Blueprint.FromNode(node);
        }
        catch (ValidationException ex)
        {
            problems.AddRange(ex.Errors.Select(e => new FileProblem(file, e.Path, e.Message)));
            return null;
        }

        if (blueprint.Id is not { } id)
        {
            problems.Add(new FileProblem(file, "$.id", "A Blueprint needs an 'id' string."));
        }
        else if (!BlueprintId.TryParse(id, null, out _))
        {
            problems.Add(new FileProblem(file, "$.id", $"'{id}' is not a valid Blueprint id."));
        }

        return blueprint;
    }

    private static string Describe(JsonException ex)
    {
        // The reader's message ends with its own " Path: … | LineNumber: … | BytePositionInLine: …" suffix; say it once, 1-based.
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        if (cut > 0)
        {
            message = message[..cut];
        }

        return ex.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $"Not valid JSON (line {line + 1}, column {(ex.BytePositionInLine ?? 0) + 1}): {message}")
            : "Not valid JSON: " + message;
    }
}
