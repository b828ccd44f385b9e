using System.Text.Json;
using IssueCore.Blueprints;
using Json.Schema;

namespace IssueCore.Schemas.Tests;

/// <summary>The schemas as the package ships them (embedded in IssueCore.Abstractions), and the repository's files.</summary>
internal static class Schemas
{
    public const string IdPrefix = "https://issuecore.github.io/issuecore/schemas/v1/";

    public static readonly string[] Names = ["blueprint.schema.json", "enhance-setting.schema.json", "ingestion-request.schema.json"];

    public static string Text(string name)
    {
        using var stream = typeof(Blueprint).Assembly.GetManifestResourceStream("IssueCore.Schemas." + name)
            ?? throw new InvalidOperationException($"IssueCore.Abstractions does not embed {name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static JsonSchema Load(string name) => JsonSchema.FromText(Text(name), new BuildOptions { SchemaRegistry = new SchemaRegistry() });

    public static bool IsValid(JsonSchema schema, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List }).IsValid;
    }

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "IssueCore.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("The repository root was not found above the test's folder.");
        }
    }

    /// <summary>Every JSON file of the repository's samples, tests, docs and engine resources (not build output, not the schemas).</summary>
    public static IEnumerable<string> RepositoryJsonFiles()
    {
        var root = RepositoryRoot;
        foreach (var folder in new[] { "docs", "samples", "tests", "IssueCore.Engine" })
        {
            var path = Path.Combine(root, folder);
            if (!Directory.Exists(path))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal)
                    || relative.EndsWith(".schema.json", StringComparison.Ordinal) || relative.EndsWith("launchSettings.json", StringComparison.Ordinal))
                {
                    continue;
                }

                yield return file;
            }
        }
    }
}
