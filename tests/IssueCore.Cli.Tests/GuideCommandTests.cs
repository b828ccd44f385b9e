using System.Text.RegularExpressions;

namespace IssueCore.Cli.Tests;

/// <summary>
/// The guide's commands, run as written: every <c>issuecore …</c> line of a <c>shell</c> block in docs/, in order, in
/// a folder holding docs/examples/. A line ending in <c># exit N</c> must exit with N; every other line with 0.
/// </summary>
public sealed partial class GuideCommandTests
{
    [Theory]
    [InlineData("getting-started.md", 11)]
    [InlineData("operating.md", 2)]
    public async Task Every_command_of_the_page_runs_with_the_exit_code_it_states(string page, int expectedCommands)
    {
        using var dir = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(SeededStore.Docs, "examples")))
        {
            File.Copy(file, dir.File(Path.GetFileName(file)));
        }

        if (page == "operating.md")
        {
            // Its commands read a store the getting-started page created.
            Assert.Equal(0, (await CliProcess.RunAsync(dir.Path, "db", "migrate", "--db", "demo.db")).ExitCode);
        }

        var commands = Commands(File.ReadAllText(Path.Combine(SeededStore.Docs, page)));

        Assert.Equal(expectedCommands, commands.Count);
        foreach (var (line, args, exit) in commands)
        {
            var r = await CliProcess.RunAsync(dir.Path, args);
            Assert.True(r.ExitCode == exit, $"{page}: `{line}` exited {r.ExitCode}, the page says {exit}\n{r}");
            Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
        }
    }

    internal static List<(string Line, string[] Args, int Exit)> Commands(string markdown)
    {
        var commands = new List<(string, string[], int)>();
        var inShell = false;
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inShell = !inShell && line == "```shell";
                continue;
            }

            if (!inShell || !line.StartsWith("issuecore ", StringComparison.Ordinal))
            {
                continue;
            }

            var exit = 0;
            var match = ExitComment().Match(line);
            var text = line;
            if (match.Success)
            {
                exit = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                text = line[..match.Index].TrimEnd();
            }

            commands.Add((line, Words(text["issuecore ".Length..]), exit));
        }

        return commands;
    }

    private static string[] Words(string text)
        => [.. Word().Matches(text).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Value)];

    [GeneratedRegex(@"\s#\s*exit\s+(\d+)$")]
    private static partial Regex ExitComment();

    [GeneratedRegex("\"([^\"]*)\"|\\S+")]
    private static partial Regex Word();
}
