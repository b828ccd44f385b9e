using System.Text.RegularExpressions;

namespace IssueCore.LogEvents.Tests;

/// <summary>The registry of log event ids: the table rows of LOG_EVENTS.md at the repository root.</summary>
internal sealed partial class LogEventRegistry
{
    public const string FileName = "LOG_EVENTS.md";

    private LogEventRegistry(string path, IReadOnlyList<LogEventRow> rows)
    {
        Path = path;
        Rows = rows;
    }

    public string Path { get; }

    public IReadOnlyList<LogEventRow> Rows { get; }

    public static LogEventRegistry Load(string repositoryRoot)
    {
        var path = System.IO.Path.Combine(repositoryRoot, FileName);
        var rows = new List<LogEventRow>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var match = RowPattern().Match(lines[i]);
            if (match.Success)
            {
                rows.Add(new LogEventRow(
                    int.Parse(match.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture),
                    lines[i].Trim(),
                    i + 1));
            }
        }

        return new LogEventRegistry(path, rows);
    }

    /// <summary>The exact line the registry holds for one logging method.</summary>
    public static string LineFor(LoggedEvent logged) =>
        $"| {logged.Id} | {logged.Owner} | {logged.Level} | {logged.Message.Replace("|", "\\|", StringComparison.Ordinal)} |";

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "IssueCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No IssueCore.sln above {AppContext.BaseDirectory}.");
    }

    // A registry row: "| 3101 | Namespace.Type.Method | Level | message |".
    [GeneratedRegex(@"^\s*\|\s*(?<id>\d+)\s*\|")]
    private static partial Regex RowPattern();
}
