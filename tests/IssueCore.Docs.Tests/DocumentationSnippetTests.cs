namespace IssueCore.Docs.Tests;

/// <summary>Every C# example in the README, the package READMEs and docs/ is the text of a sample project's source region.</summary>
public sealed class DocumentationSnippetTests
{
    private static readonly string Root = SnippetText.RepositoryRoot;

    [Fact]
    public void Every_csharp_block_in_the_documentation_is_wrapped_in_snippet_markers()
    {
        var problems = new List<string>();
        foreach (var file in SnippetText.MarkdownFiles(Root))
        {
            SnippetText.ReadMarkdown(Relative(file), File.ReadAllText(file), problems);
        }

        Assert.True(problems.Count == 0, "The documentation breaks the snippet convention:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void Every_snippet_in_the_documentation_has_one_source_region_with_the_same_text()
    {
        var problems = new List<string>();
        var regions = Regions(problems);
        var shown = 0;
        foreach (var file in SnippetText.MarkdownFiles(Root))
        {
            foreach (var snippet in SnippetText.ReadMarkdown(Relative(file), File.ReadAllText(file), []))
            {
                shown++;
                if (!regions.TryGetValue(snippet.Name, out var region))
                {
                    problems.Add($"{snippet.File}:{snippet.Line}: snippet '{snippet.Name}' has no `// snippet: {snippet.Name}` region in a .cs file under samples/");
                }
                else if (region.Text != snippet.Text)
                {
                    problems.Add($"{snippet.File}:{snippet.Line}: snippet '{snippet.Name}' differs from {region.File}:{region.Line}: {SnippetText.FirstDifference(region.Text, snippet.Text)}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(shown >= 4, $"Expected the README's examples to be found, found {shown}.");
    }

    [Fact]
    public void Every_source_region_lives_in_a_sample_project_of_the_solution()
    {
        var solution = File.ReadAllText(Path.Combine(Root, "IssueCore.sln")).Replace('\\', '/');
        var problems = new List<string>();
        foreach (var region in Regions(problems).Values)
        {
            var directory = Path.GetDirectoryName(Path.Combine(Root, region.File))!;
            var project = Directory.EnumerateFiles(directory, "*.csproj").FirstOrDefault();
            for (var d = directory; project is null && d.Length > Root.Length; d = Path.GetDirectoryName(d)!)
            {
                project = Directory.EnumerateFiles(d, "*.csproj").FirstOrDefault();
            }

            if (project is null || !solution.Contains(Relative(project), StringComparison.Ordinal))
            {
                problems.Add($"{region.File}: region '{region.Name}' is not in a project of IssueCore.sln, so nothing builds or runs it");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static Dictionary<string, Snippet> Regions(List<string> problems)
    {
        var regions = new Dictionary<string, Snippet>(StringComparer.Ordinal);
        foreach (var file in SnippetText.SourceFiles(Root))
        {
            foreach (var region in SnippetText.ReadSource(Relative(file), File.ReadAllText(file), problems))
            {
                if (!regions.TryAdd(region.Name, region))
                {
                    problems.Add($"{region.File}:{region.Line}: region '{region.Name}' is also defined at {regions[region.Name].File}:{regions[region.Name].Line}");
                }
            }
        }

        return regions;
    }

    private static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');
}
