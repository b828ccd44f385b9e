namespace IssueCore.Samples.Quickstart;

/// <summary>The command line: where the database lives and whether to start from scratch.</summary>
internal sealed record QuickstartOptions(string DatabasePath, bool Reset, bool ShowHelp)
{
    public const string HelpText = """
        IssueCore quickstart: a Blueprint series on embedded SQLite, issues that show every dispatch outcome,
        the dispatcher run until the queue is idle, then the version history and the enhance log.

        Usage: dotnet run --project samples/IssueCore.Samples.Quickstart [-- options]

        Options:
          --db PATH   SQLite database file (default: issuecore.db next to the sample); --db=PATH works too.
                      Created when missing, with any missing parent folders (the quickstart says so);
                      every run adds a new batch of issues to it.
          --reset     Delete the database first and start from an empty series.
          -h, --help  Show this help.
        """;

    /// <summary>Parses the arguments; returns <see langword="null"/> and an error for anything it does not know.</summary>
    public static QuickstartOptions? Parse(IReadOnlyList<string> args, string defaultDatabasePath, out string? error)
    {
        var path = defaultDatabasePath;
        var reset = false;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help" or "-?":
                    return new QuickstartOptions(path, reset, ShowHelp: true);
                case "--reset":
                    reset = true;
                    break;
                case var option when option.StartsWith("--db=", StringComparison.Ordinal):
                    path = option["--db=".Length..];
                    if (string.IsNullOrWhiteSpace(path))
                    {
                        error = "--db needs a file path.";
                        return null;
                    }

                    break;

                case "--db":
                    if (i + 1 >= args.Count || string.IsNullOrWhiteSpace(args[i + 1]))
                    {
                        error = "--db needs a file path.";
                        return null;
                    }

                    path = args[++i];
                    break;
                default:
                    error = $"Unknown option '{args[i]}'.";
                    return null;
            }
        }

        return new QuickstartOptions(Path.GetFullPath(path), reset, ShowHelp: false);
    }
}
