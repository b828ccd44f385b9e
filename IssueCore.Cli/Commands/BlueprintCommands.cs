using System.CommandLine;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Cli.Output;
using IssueCore.Flows;
using IssueCore.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Cli.Commands;

/// <summary><c>blueprint list | show | history | diff | import</c>.</summary>
internal static class BlueprintCommands
{
    public static Command Create(CommandBody wrap)
    {
        var command = new Command("blueprint", "Read Blueprint series: heads, versions, history and the diff between two versions.");
        command.Subcommands.Add(List(wrap));
        command.Subcommands.Add(Show(wrap));
        command.Subcommands.Add(History(wrap));
        command.Subcommands.Add(Diff(wrap));
        command.Subcommands.Add(Import(wrap));
        return command;
    }

    private static Command List(CommandBody wrap)
    {
        var limit = new Option<int>("--limit") { Description = "The most series listed.", DefaultValueFactory = _ => 100 };
        var all = new Option<bool>("--all") { Description = "Include archived series (hidden by default)." };
        var command = new Command("list", "List the Blueprint series with their head version; archived ones only with --all.") { limit, all };
        command.SetAction(wrap(async (cli, ct) =>
        {
            await using var store = cli.OpenStore();
            var rows = new JsonArray();
            var table = new TextTable("ID", "HEAD", "LABEL", "COMMITTED", "ORIGIN", "ARCHIVED");
            var max = Math.Max(1, cli.Get(limit));
            await foreach (var id in store.Blueprints.ListSeriesAsync(cli.Get(all), ct).ConfigureAwait(false))
            {
                if (rows.Count >= max)
                {
                    break;
                }

                var head = await store.Blueprints.ReadHeadAsync(id, ct).ConfigureAwait(false);
                var archived = await store.Blueprints.IsArchivedAsync(id, ct).ConfigureAwait(false);
                rows.Add(new JsonObject
                {
                    ["id"] = id.Value,
                    ["head"] = head.Trace.Version.Value,
                    ["version_label"] = head.Value.VersionLabel,
                    ["committed_at"] = Args.Iso(head.Trace.Timestamp),
                    ["origin"] = head.Trace.Origin,
                    ["archived"] = archived,
                });
                table.Add(id.Value, head.Trace.Version.Short, head.Value.VersionLabel, Args.Time(head.Trace.Timestamp), head.Trace.Origin, archived ? "yes" : "no");
            }

            if (cli.Output.Json)
            {
                cli.Output.WriteJson(rows);
            }
            else
            {
                cli.Output.WriteTable(table, $"No Blueprints in {store.Target.Display}.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CommandBody wrap)
    {
        var id = new Argument<string>("ID") { Description = "The Blueprint id." };
        var version = new Option<string?>("--version") { Description = "A version (or a prefix of at least 4 hex digits); default: the head.", HelpName = "V" };
        var command = new Command("show", "Print one version of a Blueprint (the head by default).") { id, version };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var blueprintId = Args.Blueprint(cli.Get(id), "ID");
            await using var store = cli.OpenStore();
            var read = cli.Get(version) is { } v
                ? await store.Blueprints.ReadVersionAsync(blueprintId, await Args.ResolveVersionAsync(store, blueprintId, v, "--version", ct).ConfigureAwait(false), ct).ConfigureAwait(false)
                : await store.Blueprints.ReadHeadAsync(blueprintId, ct).ConfigureAwait(false);
            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonObject
                {
                    ["id"] = blueprintId.Value,
                    ["version"] = read.Trace.Version.Value,
                    ["parents"] = new JsonArray([.. read.Trace.Parents.Select(p => (JsonNode?)p.Value)]),
                    ["origin"] = read.Trace.Origin,
                    ["committed_at"] = Args.Iso(read.Trace.Timestamp),
                    ["blueprint"] = read.Value.ToJsonObject(),
                });
                return ExitCodes.Ok;
            }

            var o = cli.Output.Out;
            o.WriteLine($"id:        {blueprintId}");
            o.WriteLine($"version:   {read.Trace.Version}");
            o.WriteLine($"label:     {read.Value.VersionLabel}");
            o.WriteLine($"parents:   {string.Join(", ", read.Trace.Parents.Select(p => p.Short))}");
            o.WriteLine($"origin:    {read.Trace.Origin}");
            o.WriteLine($"committed: {Args.Time(read.Trace.Timestamp)}");
            o.WriteLine();
            o.WriteLine(CliOutput.Pretty(read.Value.ToJsonObject()));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command History(CommandBody wrap)
    {
        var id = new Argument<string>("ID") { Description = "The Blueprint id." };
        var limit = new Option<int>("--limit") { Description = "The most versions listed, newest first.", DefaultValueFactory = _ => 50 };
        var command = new Command("history", "List the versions of a Blueprint, newest first, with the issue and rationale of each commit.") { id, limit };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var blueprintId = Args.Blueprint(cli.Get(id), "ID");
            await using var store = cli.OpenStore();
            var history = await store.Blueprints.HistoryAsync(blueprintId, Math.Max(1, cli.Get(limit)), ct).ConfigureAwait(false);
            if (history.Count == 0)
            {
                throw new NotFoundException("Blueprint", blueprintId.Value);
            }

            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonArray([.. history.Select(c => (JsonNode?)new JsonObject
                {
                    ["version"] = c.Version.Value,
                    ["parents"] = new JsonArray([.. c.Parents.Select(p => (JsonNode?)p.Value)]),
                    ["committed_at"] = Args.Iso(c.CommittedAt),
                    ["origin"] = c.Metadata.Origin,
                    ["issue_id"] = c.Metadata.IssueId?.Value,
                    ["rationale"] = c.Metadata.Rationale,
                })]));
                return ExitCodes.Ok;
            }

            var table = new TextTable("VERSION", "COMMITTED", "ORIGIN", "ISSUE", "RATIONALE");
            foreach (var c in history)
            {
                table.Add(c.Version.Short, Args.Time(c.CommittedAt), c.Metadata.Origin, c.Metadata.IssueId?.Value, c.Metadata.Rationale);
            }

            cli.Output.WriteTable(table, "No versions.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Diff(CommandBody wrap)
    {
        var id = new Argument<string>("ID") { Description = "The Blueprint id." };
        var from = new Argument<string>("FROM") { Description = "The older version (or a prefix of at least 4 hex digits)." };
        var to = new Argument<string>("TO") { Description = "The newer version (or a prefix)." };
        var command = new Command("diff", "Show the change between two versions as an RFC 6902 patch and side by side.") { id, from, to };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var blueprintId = Args.Blueprint(cli.Get(id), "ID");
            await using var store = cli.OpenStore();
            var fromVersion = await Args.ResolveVersionAsync(store, blueprintId, cli.Get(from), "FROM", ct).ConfigureAwait(false);
            var toVersion = await Args.ResolveVersionAsync(store, blueprintId, cli.Get(to), "TO", ct).ConfigureAwait(false);
            var before = (await store.Blueprints.ReadVersionAsync(blueprintId, fromVersion, ct).ConfigureAwait(false)).Value;
            var after = (await store.Blueprints.ReadVersionAsync(blueprintId, toVersion, ct).ConfigureAwait(false)).Value;
            var patch = DiffView.Patch(before.Root, after.Root);
            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonObject { ["id"] = blueprintId.Value, ["from"] = fromVersion.Value, ["to"] = toVersion.Value, ["patch"] = patch });
                return ExitCodes.Ok;
            }

            cli.Output.Out.WriteLine($"{blueprintId}: {fromVersion.Short} -> {toVersion.Short}");
            DiffView.Write(cli.Output, before.Root, patch);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Import(CommandBody wrap)
    {
        var file = new Argument<string>("FILE") { Description = "A Blueprint JSON file." };
        var rationale = new Option<string?>("--rationale") { Description = "Why; stored with the commit." };
        var command = new Command(
            "import",
            "Start a new Blueprint series from a file: validated as 'flow validate' does, then committed as its first version. Later changes go through issues (try one with 'flow try').")
        {
            file, rationale,
        };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var path = cli.Get(file);
            var problems = new List<FileProblem>();
            var blueprint = JsonFiles.ReadBlueprint(path, problems, out var missing);
            if (blueprint is not null && problems.Count == 0)
            {
                problems.AddRange(FlowCommands.Validate(path, blueprint));
            }

            if (problems.Count > 0)
            {
                foreach (var p in problems)
                {
                    cli.Output.Error.WriteLine($"issuecore: {p.File}: {p.Path}: {p.Message}");
                }

                return missing ? ExitCodes.NotFound : ExitCodes.Invalid;
            }

            var id = BlueprintId.Parse(blueprint!.Id!);
            await using var store = cli.OpenStore();
            if (await SeriesExistsAsync(store.Blueprints, id, ct).ConfigureAwait(false))
            {
                throw new CliException(ExitCodes.Conflict, $"{path}: $.id: the series '{id}' already exists in {store.Target.Display}; change it through an issue (try the patch with 'issuecore flow try').");
            }

            var written = await store.Blueprints.WriteNewAsync(id, blueprint, [], new CommitMetadata(cli.Get(rationale) ?? $"imported from {Path.GetFileName(path)}", Origin: "import"), ct).ConfigureAwait(false);
            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonObject { ["id"] = id.Value, ["version"] = written.Trace.Version.Value });
            }
            else
            {
                cli.Output.Out.WriteLine($"Imported {id} at {written.Trace.Version.Short} into {store.Target.Display}.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<bool> SeriesExistsAsync(IBlueprintStore blueprints, BlueprintId id, CancellationToken cancellationToken)
    {
        try
        {
            await blueprints.ReadHeadAsync(id, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    /// <summary>The engine's script executor, for the Lua compile check (no store needed).</summary>
    internal static ServiceProvider ScriptServices()
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true);
        return services.BuildServiceProvider();
    }

    internal static IReadOnlyList<ValidationError> ValidateWith(ServiceProvider services, Blueprint blueprint)
        => FlowValidator.Validate(blueprint, [], services.GetRequiredService<IScriptExecutor>());
}
