using System.Text.RegularExpressions;

namespace IssueCore.Docs.Tests;

/// <summary>Each package has its own README that reads well on a package site.</summary>
public sealed partial class PackageReadmeTests
{
    private static readonly string Root = SnippetText.RepositoryRoot;

    public static TheoryData<string> Packages()
    {
        var data = new TheoryData<string>();
        foreach (var project in Directory.EnumerateFiles(Root, "IssueCore.*.csproj", SearchOption.AllDirectories)
                     .Where(p => Path.GetDirectoryName(Path.GetDirectoryName(p)) == Root.TrimEnd('/'))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(project));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Packages))]
    public void Each_package_has_its_own_readme_without_relative_links_or_contributor_commands(string package)
    {
        var path = Path.Combine(Root, package, "README.md");
        Assert.True(File.Exists(path), $"{package}/README.md is missing: each package carries its own README.");
        var text = File.ReadAllText(path);

        var relative = Link().Matches(text).Select(m => m.Groups[1].Value)
            .Where(target => !target.StartsWith("https://", StringComparison.Ordinal) && !target.StartsWith("http://", StringComparison.Ordinal) && !target.StartsWith('#'))
            .ToList();
        Assert.True(relative.Count == 0, $"{package}/README.md has relative links, which break on a package site: {string.Join(", ", relative)}");
        var commands = new[] { "IssueCore.sln", ".ci/", "eng/", "dotnet test IssueCore" }.Where(c => text.Contains(c, StringComparison.Ordinal)).ToList();
        Assert.True(commands.Count == 0, $"{package}/README.md has contributor commands: {string.Join(", ", commands)}");
    }

    [Fact]
    public void The_repository_has_a_changelog_that_every_package_carries()
    {
        Assert.True(File.Exists(Path.Combine(Root, "CHANGELOG.md")), "CHANGELOG.md is missing at the repository root.");
        Assert.Contains("CHANGELOG.md", File.ReadAllText(Path.Combine(Root, "Directory.Build.props")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\]\(([^)\s]*)\)")]
    private static partial Regex Link();
}
