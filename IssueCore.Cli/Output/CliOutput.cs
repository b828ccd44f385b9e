using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Cli.Output;

/// <summary>Where a command writes: tables and text for people, or one JSON document for scripts (<c>--json</c>).</summary>
internal sealed class CliOutput(TextWriter output, TextWriter error, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Whether the caller asked for JSON.</summary>
    public bool Json { get; } = json;

    public void WriteJson(JsonNode? node) => Out.WriteLine(node?.ToJsonString(Indented) ?? "null");

    public void WriteTable(TextTable table, string empty)
    {
        if (table.Count == 0)
        {
            Out.WriteLine(empty);
            return;
        }

        table.WriteTo(Out);
    }

    /// <summary>A progress note for people, on standard error so it never mixes with the output a script reads.</summary>
    public void Progress(string message)
    {
        if (!Json)
        {
            Error.WriteLine(message);
        }
    }

    public static string Pretty(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";
}
