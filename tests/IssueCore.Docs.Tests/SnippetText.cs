using System.Reflection;
using System.Text.RegularExpressions;

namespace IssueCore.Docs.Tests;

/// <summary>
/// The repository's snippet convention. In markdown a C# example is written as
/// <c>&lt;!-- snippet: NAME --&gt;</c>, a <c>```csharp</c> block, <c>&lt;!-- endsnippet --&gt;</c>; its code is the text
/// between the lines <c>// snippet: NAME</c> and <c>// endsnippet</c> in a .cs file under <c>samples/</c>. Texts are
/// compared after removing trailing white space, leading and trailing blank lines and the common indentation.
/// </summary>
internal static partial class SnippetText
{
    public static string RepositoryRoot { get; } = typeof(SnippetText).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>The markdown the convention covers: the README, every package README, docs/ and the samples' READMEs.</summary>
    public static IReadOnlyList<string> MarkdownFiles(string root)
    {
        var files = new List<string>();
        AddIfExists(files, Path.Combine(root, "README.md"));
        foreach (var project in Directory.EnumerateDirectories(root, "IssueCore.*"))
        {
            AddIfExists(files, Path.Combine(project, "README.md"));
        }

        foreach (var folder in new[] { "docs", "samples" })
        {
            var path = Path.Combine(root, folder);
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*.md", SearchOption.AllDirectories).Where(f => !IsBuildOutput(root, f)));
            }
        }

        return files.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The .cs files that may hold source regions: every sample project's sources.</summary>
    public static IReadOnlyList<string> SourceFiles(string root)
        => Directory.EnumerateFiles(Path.Combine(root, "samples"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(root, f))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Reads the C# blocks of one markdown text; a C# block without snippet markers is a problem.</summary>
    public static IReadOnlyList<Snippet> ReadMarkdown(string file, string text, List<string> problems)
    {
        var lines = SplitLines(text);
        var snippets = new List<Snippet>();
        string? pending = null;
        var pendingLine = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (MarkdownStart().Match(line) is { Success: true } start)
            {
                if (pending is not null)
                {
                    problems.Add($"{file}:{pendingLine}: snippet '{pending}' has no code block before the next snippet marker");
                }

                pending = start.Groups[1].Value;
                pendingLine = i + 1;
                continue;
            }

            if (!line.StartsWith("```", StringComparison.Ordinal))
            {
                if (pending is not null && line.Length > 0)
                {
                    problems.Add($"{file}:{pendingLine}: snippet '{pending}' must be followed by a ```csharp block");
                    pending = null;
                }

                continue;
            }

            // A fence: read to its end.
            var language = line[3..].Trim();
            var fenceLine = i + 1;
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].Trim().StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Add(lines[i]);
            }

            var isCSharp = language is "csharp" or "cs" or "c#" or "C#";
            if (!isCSharp)
            {
                if (pending is not null)
                {
                    problems.Add($"{file}:{pendingLine}: snippet '{pending}' wraps a ```{language} block, not ```csharp");
                    pending = null;
                }

                continue;
            }

            if (pending is null)
            {
                problems.Add($"{file}:{fenceLine}: a ```csharp block without <!-- snippet: NAME --> ... <!-- endsnippet --> around it (its code must come from a sample project)");
                continue;
            }

            var next = NextNonEmpty(lines, i + 1);
            if (next < 0 || lines[next].Trim() != "<!-- endsnippet -->")
            {
                problems.Add($"{file}:{pendingLine}: snippet '{pending}' is not closed by <!-- endsnippet --> after its code block");
            }
            else
            {
                i = next;
            }

            snippets.Add(new Snippet(pending, file, fenceLine, Normalize(body)));
            pending = null;
        }

        if (pending is not null)
        {
            problems.Add($"{file}:{pendingLine}: snippet '{pending}' has no code block");
        }

        return snippets;
    }

    /// <summary>Reads the source regions of one .cs text.</summary>
    public static IReadOnlyList<Snippet> ReadSource(string file, string text, List<string> problems)
    {
        var lines = SplitLines(text);
        var regions = new List<Snippet>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (SourceStart().Match(lines[i].Trim()) is not { Success: true } start)
            {
                continue;
            }

            var name = start.Groups[1].Value;
            var first = i + 1;
            var body = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "// endsnippet"; i++)
            {
                if (SourceStart().IsMatch(lines[i].Trim()))
                {
                    problems.Add($"{file}:{i + 1}: region '{name}' (line {first}) is not closed before the next region starts");
                }

                body.Add(lines[i]);
            }

            if (i >= lines.Length)
            {
                problems.Add($"{file}:{first}: region '{name}' has no // endsnippet");
            }

            regions.Add(new Snippet(name, file, first, Normalize(body)));
        }

        return regions;
    }

    /// <summary>Trailing white space, leading and trailing blank lines and the common indentation removed; \n line ends.</summary>
    public static string Normalize(IEnumerable<string> lines)
    {
        var trimmed = lines.Select(l => l.TrimEnd()).ToList();
        while (trimmed.Count > 0 && trimmed[0].Length == 0)
        {
            trimmed.RemoveAt(0);
        }

        while (trimmed.Count > 0 && trimmed[^1].Length == 0)
        {
            trimmed.RemoveAt(trimmed.Count - 1);
        }

        var indent = trimmed.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', trimmed.Select(l => l.Length == 0 ? l : l[indent..]));
    }

    /// <summary>Where two texts first differ, for a failure message.</summary>
    public static string FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var left = i < a.Length ? a[i] : "<end>";
            var right = i < b.Length ? b[i] : "<end>";
            if (left != right)
            {
                return $"line {i + 1} of the example: source has `{left}`, markdown has `{right}`";
            }
        }

        return "no difference";
    }

    private static string[] SplitLines(string text) => text.ReplaceLineEndings("\n").Split('\n');

    private static int NextNonEmpty(string[] lines, int from)
    {
        for (var i = from; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length > 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsBuildOutput(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
        return relative.Split('/').Any(part => part is "bin" or "obj");
    }

    private static void AddIfExists(List<string> files, string path)
    {
        if (File.Exists(path))
        {
            files.Add(path);
        }
    }

    [GeneratedRegex(@"^<!--\s*snippet:\s*([A-Za-z0-9._-]+)\s*-->$")]
    private static partial Regex MarkdownStart();

    [GeneratedRegex(@"^//\s*snippet:\s*([A-Za-z0-9._-]+)$")]
    private static partial Regex SourceStart();
}
