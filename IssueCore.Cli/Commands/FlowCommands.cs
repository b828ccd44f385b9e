using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Cli.Output;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Json;

namespace IssueCore.Cli.Commands;

/// <summary><c>flow validate FILE…</c> and <c>flow try --blueprint ID --patch FILE</c>.</summary>
internal static class FlowCommands
{
    public static Command Create(CommandBody wrap)
    {
        var command = new Command("flow", "Check Blueprints and flows before they are committed, and try a patch without committing it.");
        command.Subcommands.Add(ValidateCommand(wrap));
        command.Subcommands.Add(TryCommand(wrap));
        return command;
    }

    /// <summary>The engine's own validation of one Blueprint: flow IR, selectors and paths, agent refs and Lua compile.</summary>
    internal static List<FileProblem> Validate(string file, Blueprint blueprint)
    {
        using var services = BlueprintCommands.ScriptServices();
        return [.. BlueprintCommands.ValidateWith(services, blueprint).Select(e => new FileProblem(file, e.Path, e.Message))];
    }

    private static Command ValidateCommand(CommandBody wrap)
    {
        var files = new Argument<string[]>("FILE") { Description = "Blueprint JSON files.", Arity = ArgumentArity.OneOrMore };
        var command = new Command(
            "validate",
            "Validate Blueprint files as the engine does before a launch (flow IR, selectors, paths, agent refs, Lua compile). Lists every error with its file and JSON path; exit code 1 on any error, 3 when a file is missing. Needs no store.")
        {
            files,
        };
        command.SetAction(wrap((cli, ct) =>
        {
            using var services = BlueprintCommands.ScriptServices();
            var report = new JsonArray();
            var all = new List<FileProblem>();
            var anyMissing = false;
            foreach (var file in cli.Get(files))
            {
                ct.ThrowIfCancellationRequested();
                var problems = new List<FileProblem>();
                var blueprint = JsonFiles.ReadBlueprint(file, problems, out var missing);
                anyMissing |= missing;
                if (blueprint is not null)
                {
                    problems.AddRange(BlueprintCommands.ValidateWith(services, blueprint).Select(e => new FileProblem(file, e.Path, e.Message)));
                }

                all.AddRange(problems);
                report.Add(new JsonObject
                {
                    ["file"] = file,
                    ["id"] = blueprint?.Id,
                    ["valid"] = problems.Count == 0,
                    ["errors"] = new JsonArray([.. problems.Select(p => (JsonNode?)new JsonObject { ["path"] = p.Path, ["message"] = p.Message })]),
                });
            }

            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonObject { ["valid"] = all.Count == 0, ["files"] = report });
            }
            else if (all.Count == 0)
            {
                cli.Output.Out.WriteLine($"{report.Count} file(s) valid.");
            }
            else
            {
                // One line per error, as a compiler writes them, so editors and CI logs can point at each one.
                foreach (var p in all)
                {
                    cli.Output.Out.WriteLine($"{p.File}: {p.Path}: {p.Message}");
                }

                cli.Output.Out.WriteLine($"{all.Count} error(s) in {report.Count(r => !(bool)r!["valid"]!)} of {report.Count} file(s).");
            }

            return Task.FromResult(anyMissing ? ExitCodes.NotFound : all.Count == 0 ? ExitCodes.Ok : ExitCodes.Invalid);
        }));
        return command;
    }

    private static Command TryCommand(CommandBody wrap)
    {
        var blueprint = new Option<string>("--blueprint") { Description = "The Blueprint series to change.", HelpName = "ID", Required = true };
        var patch = new Option<string>("--patch") { Description = "A file holding the RFC 6902 patch (a JSON array of operations).", HelpName = "FILE", Required = true };
        var intent = new Option<string?>("--intent") { Description = "The issue's intent, as the flow sees it. Default: 'try a patch'." };
        var bump = new Option<string>("--bump") { Description = "How the version label is bumped: major, minor or patch.", DefaultValueFactory = _ => "patch" };
        bump.AcceptOnlyFromAmong("major", "minor", "patch");
        var command = new Command(
            "try",
            "Run the enhance flow on the head of a Blueprint with a patch, as a dispatch would, without writing anything (no issue, commit, log entry or run). Prints the verdicts and the diff; exit code 0 when it would be applied, 1 when rejected or refused.")
        {
            blueprint, patch, intent, bump,
        };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var id = Args.Blueprint(cli.Get(blueprint)!, "--blueprint");
            var patchFile = cli.Get(patch)!;
            var problems = new List<FileProblem>();
            var operations = JsonFiles.Read(patchFile, problems, out var missing);
            if (operations is not null)
            {
                problems.AddRange(JsonPatch.Validate(operations).Select(e => new FileProblem(patchFile, e.Path, e.Message)));
            }

            if (problems.Count > 0)
            {
                foreach (var p in problems)
                {
                    cli.Output.Error.WriteLine($"issuecore: {p.File}: {p.Path}: {p.Message}");
                }

                return missing ? ExitCodes.NotFound : ExitCodes.Invalid;
            }

            await using var store = cli.OpenStore();
            if (await store.Settings.FindAsync(EnhanceSettingId.Default, ct).ConfigureAwait(false) is null)
            {
                throw new CliException(ExitCodes.NotFound, $"{store.Target.Display} has no enhance setting 'default'; install the built-in enhance flow with: issuecore db migrate");
            }

            cli.Output.Progress($"Trying {Path.GetFileName(patchFile)} on {id} with the enhance flow (nothing is written)...");
            using var patchDoc = JsonDocument.Parse(operations!.ToJsonString());
            var trial = await store.Application.TryAsync(
                new IssueDraft
                {
                    BlueprintId = id,
                    Intent = cli.Get(intent) ?? "try a patch",
                    Patch = patchDoc.RootElement.Clone(),
                    Bump = cli.Get(bump) switch { "major" => VersionBump.Major, "minor" => VersionBump.Minor, _ => VersionBump.Patch },
                },
                ct).ConfigureAwait(false);
            var diff = trial.NewBlueprint is { } next ? DiffView.Patch(trial.Head.Root, next.Root) : [];
            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonObject
                {
                    ["blueprint_id"] = id.Value,
                    ["head"] = trial.Head.Version.Value,
                    ["outcome"] = Args.Lower(trial.Outcome),
                    ["new_version"] = trial.NewBlueprint?.Version.Value,
                    ["verdicts"] = Verdicts(trial.Verdicts),
                    ["reasons"] = new JsonArray([.. trial.Reasons.Select(r => (JsonNode?)r)]),
                    ["refusal"] = trial.Refusal,
                    ["rationale"] = trial.Rationale,
                    ["diff"] = diff,
                });
            }
            else
            {
                var o = cli.Output.Out;
                o.WriteLine($"{id} at {trial.Head.Version.Short}: {Args.Lower(trial.Outcome)}" + (trial.NewBlueprint is { } nb ? $" -> {nb.Version.Short} ({nb.VersionLabel})" : string.Empty));
                o.WriteLine();
                VerdictTable(trial.Verdicts).WriteTo(o);
                foreach (var reason in trial.Reasons)
                {
                    o.WriteLine("reason: " + reason);
                }

                if (trial.Refusal is { } refusal)
                {
                    o.WriteLine("refused: " + refusal);
                }

                if (trial.NewBlueprint is not null)
                {
                    o.WriteLine();
                    DiffView.Write(cli.Output, trial.Head.Root, diff);
                }
            }

            return trial.Outcome == EnhanceOutcome.Applied ? ExitCodes.Ok : ExitCodes.Invalid;
        }));
        return command;
    }

    internal static JsonArray Verdicts(IEnumerable<VerdictSummary> verdicts)
        => new([.. verdicts.Select(v => (JsonNode?)new JsonObject { ["axis"] = v.Axis, ["status"] = Args.Lower(v.Status), ["detail"] = v.Detail })]);

    internal static TextTable VerdictTable(IEnumerable<VerdictSummary> verdicts)
    {
        var table = new TextTable("AXIS", "VERDICT", "DETAIL");
        foreach (var v in verdicts)
        {
            table.Add(v.Axis, Args.Lower(v.Status), v.Detail);
        }

        return table;
    }
}
