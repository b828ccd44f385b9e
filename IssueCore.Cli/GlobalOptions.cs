using System.CommandLine;

namespace IssueCore.Cli;

/// <summary>The options every command accepts.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Db { get; } = new("--db")
    {
        Description = "The SQLite database file (or set ISSUECORE_DB).",
        HelpName = "FILE",
        Recursive = true,
    };

    public Option<string?> Postgres { get; } = new("--postgres")
    {
        Description = "The PostgreSQL connection string (or set ISSUECORE_POSTGRES).",
        HelpName = "CONNECTION",
        Recursive = true,
    };

    public Option<string?> Schema { get; } = new("--schema")
    {
        Description = "The PostgreSQL schema that holds the IssueCore tables. Default: issuecore.",
        HelpName = "NAME",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write one JSON document to standard output instead of tables, for scripts.",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Db);
        root.Options.Add(Postgres);
        root.Options.Add(Schema);
        root.Options.Add(Json);
    }
}
