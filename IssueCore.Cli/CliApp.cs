using System.Collections;
using System.CommandLine;
using System.Text.Json;
using IssueCore.Cli.Commands;
using IssueCore.Cli.Output;
using IssueCore.Launch;

namespace IssueCore.Cli;

/// <summary>Builds the command tree, runs one command, and turns every user error into one message and an exit code.</summary>
internal static class CliApp
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
        => RunAsync(args, output, error, Environment.GetEnvironmentVariables(), cancellationToken);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IDictionary environment, CancellationToken cancellationToken)
    {
        var options = new GlobalOptions();
        var root = new RootCommand("issuecore: validate and try IssueCore Blueprints and flows, read Blueprint history, issues, the enhance log and flow runs, and migrate SQLite or PostgreSQL stores.\n\n" + ExitCodes.Help);
        options.AddTo(root);

        CommandBody wrap = body => async (parse, ct) =>
        {
            var cli = new CliContext(parse, new CliOutput(output, error, parse.GetValue(options.Json)), options, environment);
            try
            {
                return await body(cli, ct).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                return Report(ex, error);
            }
        };

        root.Subcommands.Add(BlueprintCommands.Create(wrap));
        root.Subcommands.Add(IssueCommands.Create(wrap));
        root.Subcommands.Add(LogCommand.Create(wrap));
        root.Subcommands.Add(RunCommands.Create(wrap));
        root.Subcommands.Add(FlowCommands.Create(wrap));
        root.Subcommands.Add(DbCommands.Create(wrap));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync("issuecore: " + problem.Message).ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'issuecore --help' (or the command followed by --help) for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return Report(ex, error);
        }
    }

    /// <summary>Writes what went wrong and where, without a stack trace, and returns the exit code.</summary>
    internal static int Report(Exception ex, TextWriter error)
    {
        switch (ex)
        {
            case CliException cli:
                error.WriteLine("issuecore: " + cli.Message);
                return cli.ExitCode;
            case OperationCanceledException:
                error.WriteLine("issuecore: cancelled.");
                return ExitCodes.Cancelled;
            case ValidationException validation:
                foreach (var e in validation.Errors)
                {
                    error.WriteLine($"issuecore: {e.Path}: {e.Message}");
                }

                return ExitCodes.Invalid;
            case NotFoundException:
                error.WriteLine("issuecore: " + ex.Message);
                return ExitCodes.NotFound;
            case ConflictException:
                error.WriteLine("issuecore: " + ex.Message);
                return ExitCodes.Conflict;
            case StorageException:
                error.WriteLine("issuecore: store error: " + ex.Message);
                return ExitCodes.Store;
            case FlowExecutionException or ScriptException or CommitShapeException or AuthorizationException:
                error.WriteLine("issuecore: the flow failed: " + ex.Message);
                return ExitCodes.Invalid;
            case FileNotFoundException or DirectoryNotFoundException:
                error.WriteLine("issuecore: " + ex.Message);
                return ExitCodes.NotFound;
            case IOException or UnauthorizedAccessException:
                error.WriteLine("issuecore: " + ex.Message);
                return ExitCodes.Store;
            case JsonException json:
                error.WriteLine($"issuecore: not JSON at {json.Path ?? "$"} (line {json.LineNumber + 1}): {ex.Message}");
                return ExitCodes.Invalid;
            default:
                // A fault of the tool or the library, not of the input: still one line, with the type to report it by.
                error.WriteLine($"issuecore: internal error ({ex.GetType().Name}): {ex.Message}");
                return ExitCodes.Internal;
        }
    }
}
