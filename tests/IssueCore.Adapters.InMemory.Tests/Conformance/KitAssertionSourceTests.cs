using System.Text.RegularExpressions;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

/// <summary>
/// The kit asserts only through its Contract helper, so every failure an adapter author sees names the port rule it
/// breaks; a bare xunit assertion in the kit's sources (outside Contract.cs) would print only two values.
/// </summary>
public sealed partial class KitAssertionSourceTests
{
    // Skipping a fact is not an assertion: it states why a fact does not apply to a store.
    private static readonly HashSet<string> SkipCalls = new(StringComparer.Ordinal) { "Skip", "SkipWhen", "SkipUnless" };

    [Fact]
    public void The_kit_sources_assert_only_through_Contract_outside_Contract_cs()
    {
        var kit = Path.Combine(RepositoryRoot(), "IssueCore.Testing");
        var files = Directory.EnumerateFiles(kit, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(kit, path) && Path.GetFileName(path) != "Contract.cs")
            .Order(StringComparer.Ordinal)
            .ToList();

        var bare = files.SelectMany(path => BareAssertions(Path.GetRelativePath(kit, path), File.ReadAllText(path))).ToList();

        Assert.True(files.Count > 5, $"Found only {files.Count} kit sources under {kit}.");
        Assert.True(bare.Count == 0, "Kit assertions must go through Contract with the port rule they check:" + Environment.NewLine + string.Join(Environment.NewLine, bare));
    }

    [Fact]
    public void The_source_check_names_file_and_line_of_a_bare_assertion_and_allows_skips_and_comments()
    {
        const string Source = """
            Contract.Equal(1, x, "rule");
                    Assert.Equal(1, x);
            Assert.Skip("not supported");
            // Assert.True(x) in a comment
            await Xunit.Assert.ThrowsAsync<ConflictException>(() => call());
            AssertSame(a, b);
            """;

        Assert.Equal(
            ["Issues/Sample.cs:2: Assert.Equal(1, x);", "Issues/Sample.cs:5: await Xunit.Assert.ThrowsAsync<ConflictException>(() => call());"],
            BareAssertions("Issues/Sample.cs", Source));
    }

    /// <summary>Each line of <paramref name="text"/> that calls an xunit assertion, as "file:line: code".</summary>
    private static IEnumerable<string> BareAssertions(string file, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var code = lines[i].Trim();
            if (code.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            if (AssertCall().Matches(code).Any(m => !SkipCalls.Contains(m.Groups[1].Value)))
            {
                yield return $"{file.Replace('\\', '/')}:{i + 1}: {code}";
            }
        }
    }

    private static bool IsBuildOutput(string kit, string path)
    {
        var first = Path.GetRelativePath(kit, path).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[0];
        return first is "bin" or "obj";
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IssueCore.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No IssueCore.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\bAssert\.(\w+)")]
    private static partial Regex AssertCall();
}
