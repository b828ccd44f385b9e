using System.CommandLine;
using System.Text.Json.Nodes;
using IssueCore.Cli.Output;
using IssueCore.Enhance;

namespace IssueCore.Cli.Commands;

/// <summary><c>log [--blueprint ID]</c>: the enhance log, one entry per dispatched issue.</summary>
internal static class LogCommand
{
    public static Command Create(CommandBody wrap)
    {
        var blueprint = new Option<string?>("--blueprint") { Description = "Only the entries of this Blueprint series.", HelpName = "ID" };
        var limit = new Option<int>("--limit") { Description = "The most entries shown: the latest ones, oldest first.", DefaultValueFactory = _ => 100 };
        var command = new Command("log", "Show the enhance log: the outcome of every dispatched issue, with its verdicts.") { blueprint, limit };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var id = cli.Get(blueprint) is { } b ? Args.Blueprint(b, "--blueprint") : (Blueprints.BlueprintId?)null;
            var max = Math.Max(1, cli.Get(limit));
            await using var store = cli.OpenStore();
            var entries = id is { } series ? store.Log.ListByBlueprintAsync(series, ct) : store.Log.ListAllAsync(ct);

            // The log is read as a stream; only the latest entries are kept.
            var latest = new Queue<EnhanceLogEntry>();
            await foreach (var entry in entries.ConfigureAwait(false))
            {
                if (latest.Count == max)
                {
                    latest.Dequeue();
                }

                latest.Enqueue(entry);
            }

            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonArray([.. latest.Select(e => (JsonNode?)ToJson(e))]));
                return ExitCodes.Ok;
            }

            var table = new TextTable("TIME", "ISSUE", "BLUEPRINT", "OUTCOME", "FROM", "TO", "REASONS");
            foreach (var e in latest)
            {
                table.Add(Args.Time(e.Timestamp), e.IssueId.Value, e.BlueprintId.Value, Args.Lower(e.Outcome), e.PreviousVersion?.Short, e.NewVersion?.Short, string.Join("; ", e.Reasons));
            }

            cli.Output.WriteTable(table, "The enhance log is empty.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static JsonObject ToJson(EnhanceLogEntry entry) => new()
    {
        ["issue_id"] = entry.IssueId.Value,
        ["blueprint_id"] = entry.BlueprintId.Value,
        ["outcome"] = Args.Lower(entry.Outcome),
        ["previous_version"] = entry.PreviousVersion?.Value,
        ["new_version"] = entry.NewVersion?.Value,
        ["intent"] = entry.Intent,
        ["rationale"] = entry.Rationale,
        ["verdicts"] = FlowCommands.Verdicts(entry.Verdicts),
        ["reasons"] = new JsonArray([.. entry.Reasons.Select(r => (JsonNode?)r)]),
        ["timestamp"] = Args.Iso(entry.Timestamp),
    };
}
