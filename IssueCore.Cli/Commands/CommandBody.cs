using System.CommandLine;

namespace IssueCore.Cli.Commands;

/// <summary>Wraps a command's body so that every error it throws is reported as one message and an exit code.</summary>
internal delegate Func<ParseResult, CancellationToken, Task<int>> CommandBody(Func<CliContext, CancellationToken, Task<int>> body);
