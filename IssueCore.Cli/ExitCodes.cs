namespace IssueCore.Cli;

/// <summary>The exit codes of every command, listed in <c>issuecore --help</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>What was checked is not acceptable: a flow with errors, a rejected trial, a schema behind the library.</summary>
    public const int Invalid = 1;

    /// <summary>The command line is wrong: an unknown option, a missing argument, no store named.</summary>
    public const int Usage = 2;

    /// <summary>Something named does not exist: a file, a Blueprint, a version, an issue, a run.</summary>
    public const int NotFound = 3;

    /// <summary>The store failed or cannot be used (cannot open, a schema version other than the library's).</summary>
    public const int Store = 4;

    /// <summary>The store refused a change: it conflicts with what is stored.</summary>
    public const int Conflict = 5;

    /// <summary>A fault of the tool or the library rather than of the input (reported in one line, without a stack trace).</summary>
    public const int Internal = 70;

    /// <summary>The command was cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;

    /// <summary>The text listed at the end of <c>--help</c>.</summary>
    public const string Help = """
        Exit codes:
          0    success
          1    invalid: a flow or Blueprint with errors, a trial rejected or refused, a schema behind the library
          2    usage: unknown option, missing argument, no store given
          3    not found: a file, Blueprint, version, issue or run
          4    store error: the database cannot be opened or read, or its schema version does not match
          5    conflict: the store refused the change
          70   internal error of the tool or library
          130  cancelled
        The store: --db FILE (SQLite) or --postgres CONNECTION, else the ISSUECORE_DB or ISSUECORE_POSTGRES environment variable.
        """;
}
