namespace IssueCore.Cli.Commands;

/// <summary>One problem in one input file: the file, the JSON path inside it, and what is wrong.</summary>
internal sealed record FileProblem(string File, string Path, string Message);
