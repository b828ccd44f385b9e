namespace IssueCore.Cli;

/// <summary>A user error the tool reports as one line (what is wrong and where) and an exit code, never a stack trace.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The process exit code, one of <see cref="ExitCodes"/>.</summary>
    public int ExitCode { get; } = ExitCodes.Invalid;
}
