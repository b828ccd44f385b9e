using System.CommandLine;
using System.Text.Json.Nodes;
using IssueCore.Cli.Stores;

namespace IssueCore.Cli.Commands;

/// <summary><c>db migrate | status</c>: the store's schema version.</summary>
internal static class DbCommands
{
    public static Command Create(CommandBody wrap)
    {
        var command = new Command("db", "Install, upgrade or report the store's schema (SQLite or PostgreSQL).");
        command.Subcommands.Add(Migrate(wrap));
        command.Subcommands.Add(Status(wrap));
        return command;
    }

    private static Command Migrate(CommandBody wrap)
    {
        var noFlow = new Option<bool>("--no-default-flow") { Description = "Only the schema: do not install the built-in enhance flow and setting." };
        var command = new Command(
            "migrate",
            "Install or upgrade the schema to this tool's version (creating a SQLite file if needed), then install the built-in enhance-default flow and the 'default' enhance setting when none is stored. Safe to run again.")
        {
            noFlow,
        };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var target = cli.Store;
            var existed = target.Kind != StoreKind.Sqlite || File.Exists(target.Value);
            await using var store = StoreSession.Open(target, migrate: true);
            var before = existed ? await store.SchemaVersionAsync(ct).ConfigureAwait(false) : 0;
            cli.Output.Progress($"Migrating {target.Display} from schema version {before} to {store.LatestSchemaVersion}...");
            await store.MigrateAsync(ct).ConfigureAwait(false);
            var after = await store.SchemaVersionAsync(ct).ConfigureAwait(false);
            string? flow = null;
            if (!cli.Get(noFlow))
            {
                var setting = await store.Application.InstallDefaultFlowAsync(ct).ConfigureAwait(false);
                flow = setting.OrbitBlueprintId.Value;
            }

            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonObject { ["from"] = before, ["to"] = after, ["latest"] = store.LatestSchemaVersion, ["enhance_flow"] = flow });
            }
            else
            {
                cli.Output.Out.WriteLine(before == after ? $"Schema version {after}: already current." : $"Schema version {before} -> {after}.");
                if (flow is not null)
                {
                    cli.Output.Out.WriteLine($"Enhance setting 'default' dispatches through '{flow}'.");
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Status(CommandBody wrap)
    {
        var command = new Command("status", "Report the store's schema version and this tool's; exit code 1 when the store needs 'db migrate'.");
        command.SetAction(wrap(async (cli, ct) =>
        {
            var target = cli.Store;
            int current;
            int latest;
            if (target.Kind == StoreKind.Sqlite && !File.Exists(target.Value))
            {
                current = 0;
                latest = Adapters.Sqlite.SqliteSchema.LatestVersion;
            }
            else
            {
                await using var store = StoreSession.Open(target, migrate: false);
                current = await store.SchemaVersionAsync(ct).ConfigureAwait(false);
                latest = store.LatestSchemaVersion;
            }

            var state = current == latest ? "current" : current < latest ? "behind" : "ahead";
            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonObject { ["store"] = target.Kind == StoreKind.Sqlite ? target.Value : target.Schema, ["version"] = current, ["latest"] = latest, ["state"] = state });
            }
            else
            {
                cli.Output.Out.WriteLine(state switch
                {
                    "current" => $"Schema version {current}: current.",
                    "behind" => $"Schema version {current}, this tool needs {latest}: run 'issuecore db migrate'.",
                    _ => $"Schema version {current} is newer than this tool's {latest}: upgrade the tool.",
                });
            }

            return state == "current" ? ExitCodes.Ok : state == "behind" ? ExitCodes.Invalid : ExitCodes.Store;
        }));
        return command;
    }
}
