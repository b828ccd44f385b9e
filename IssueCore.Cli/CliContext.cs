using System.Collections;
using System.CommandLine;
using IssueCore.Cli.Output;
using IssueCore.Cli.Stores;

namespace IssueCore.Cli;

/// <summary>What every command gets: the parse result, the output, the global options and the environment.</summary>
internal sealed class CliContext(ParseResult parse, CliOutput output, GlobalOptions options, IDictionary environment)
{
    public ParseResult Parse { get; } = parse;

    public CliOutput Output { get; } = output;

    /// <summary>The store the global options or the environment name.</summary>
    /// <exception cref="CliException">None, or two.</exception>
    public StoreTarget Store => StoreTarget.Resolve(Parse.GetValue(options.Db), Parse.GetValue(options.Postgres), Parse.GetValue(options.Schema), environment);

    /// <summary>Opens the store as it is: nothing is installed or upgraded.</summary>
    public StoreSession OpenStore() => StoreSession.Open(Store, migrate: false);

    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;
}
