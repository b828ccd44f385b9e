using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using IssueCore.Cli.Output;
using IssueCore.Council;

namespace IssueCore.Cli.Commands;

/// <summary><c>run list | show ID | events ID [--follow]</c>: the flow runs the council repository recorded.</summary>
internal static class RunCommands
{
    public static Command Create(CommandBody wrap)
    {
        var command = new Command("run", "Read flow runs and their events.");
        command.Subcommands.Add(List(wrap));
        command.Subcommands.Add(Show(wrap));
        command.Subcommands.Add(Events(wrap));
        return command;
    }

    private static JsonObject ToJson(CouncilRun run) => new()
    {
        ["id"] = run.Id.Value,
        ["flow_id"] = run.FlowId,
        ["flow_version"] = run.FlowVersion,
        ["subject"] = run.Subject,
        ["status"] = Args.Lower(run.Status),
        ["created_at"] = Args.Iso(run.CreatedAt),
        ["updated_at"] = Args.Iso(run.UpdatedAt),
        ["owner"] = run.Owner,
    };

    private static JsonObject ToJson(CouncilRunEvent e) => new()
    {
        ["sequence"] = e.Sequence,
        ["wave"] = e.Wave,
        ["kind"] = e.Kind,
        ["node_id"] = e.NodeId,
        ["timestamp"] = Args.Iso(e.Timestamp),
        ["payload"] = JsonNode.Parse(e.Payload.GetRawText(), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = Json.JsonLimits.MaxRecordDepth }),
    };

    private static Command List(CommandBody wrap)
    {
        var limit = new Option<int>("--limit") { Description = "The most runs listed, newest first.", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "List flow runs, newest first.") { limit };
        command.SetAction(wrap(async (cli, ct) =>
        {
            await using var store = cli.OpenStore();
            var runs = new List<CouncilRun>();
            var max = Math.Max(1, cli.Get(limit));
            await foreach (var run in store.Runs.ListRunsAsync(null, ct).ConfigureAwait(false))
            {
                runs.Add(run);
                if (runs.Count >= max)
                {
                    break;
                }
            }

            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonArray([.. runs.Select(r => (JsonNode?)ToJson(r))]));
                return ExitCodes.Ok;
            }

            var table = new TextTable("ID", "FLOW", "STATUS", "SUBJECT", "CREATED");
            foreach (var r in runs)
            {
                table.Add(r.Id.Value, r.FlowId, Args.Lower(r.Status), r.Subject, Args.Time(r.CreatedAt));
            }

            cli.Output.WriteTable(table, "No runs.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CommandBody wrap)
    {
        var id = new Argument<string>("ID") { Description = "The run id." };
        var command = new Command("show", "Show one flow run.") { id };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var runId = Args.Run(cli.Get(id), "ID");
            await using var store = cli.OpenStore();
            var run = await store.Runs.GetRunAsync(runId, ct).ConfigureAwait(false) ?? throw new NotFoundException("run", runId.Value);
            var events = 0;
            await foreach (var _ in store.Runs.ListEventsAsync(runId, ct).ConfigureAwait(false))
            {
                events++;
            }

            if (cli.Output.Json)
            {
                var json = ToJson(run);
                json["events"] = events;
                cli.Output.WriteJson(json);
                return ExitCodes.Ok;
            }

            var o = cli.Output.Out;
            o.WriteLine($"id:       {run.Id}");
            o.WriteLine($"flow:     {run.FlowId} {run.FlowVersion}");
            o.WriteLine($"subject:  {run.Subject}");
            o.WriteLine($"status:   {Args.Lower(run.Status)}");
            o.WriteLine($"created:  {Args.Time(run.CreatedAt)}");
            o.WriteLine($"updated:  {Args.Time(run.UpdatedAt)}");
            o.WriteLine($"events:   {events} (issuecore run events {run.Id})");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Events(CommandBody wrap)
    {
        var id = new Argument<string>("ID") { Description = "The run id." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events until the run stops running." };
        var interval = new Option<double>("--poll-seconds") { Description = "With --follow: how often the store is read.", DefaultValueFactory = _ => 1.0 };
        var command = new Command("events", "List the events of a flow run in sequence order.") { id, follow, interval };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var runId = Args.Run(cli.Get(id), "ID");
            var poll = TimeSpan.FromSeconds(Math.Clamp(cli.Get(interval), 0.05, 60));
            await using var store = cli.OpenStore();
            _ = await store.Runs.GetRunAsync(runId, ct).ConfigureAwait(false) ?? throw new NotFoundException("run", runId.Value);
            var last = 0L;
            var headerWritten = false;
            var json = new JsonArray();
            while (true)
            {
                var batch = new List<CouncilRunEvent>();
                await foreach (var e in store.Runs.ListEventsAsync(runId, ct).ConfigureAwait(false))
                {
                    if (e.Sequence > last)
                    {
                        batch.Add(e);
                    }
                }

                foreach (var e in batch)
                {
                    last = Math.Max(last, e.Sequence);
                    if (cli.Output.Json)
                    {
                        // With --follow, one JSON object per line as events arrive; without, one array at the end.
                        if (cli.Get(follow))
                        {
                            cli.Output.Out.WriteLine(ToJson(e).ToJsonString());
                        }
                        else
                        {
                            json.Add(ToJson(e));
                        }

                        continue;
                    }

                    if (!headerWritten)
                    {
                        cli.Output.Out.WriteLine($"{"SEQ",5}  {"WAVE",4}  {"TIME",-20}  {"KIND",-16}  NODE");
                        headerWritten = true;
                    }

                    cli.Output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Sequence,5}  {e.Wave,4}  {Args.Time(e.Timestamp),-20}  {e.Kind,-16}  {e.NodeId}"));
                }

                await cli.Output.Out.FlushAsync(ct).ConfigureAwait(false);
                var run = await store.Runs.GetRunAsync(runId, ct).ConfigureAwait(false);
                if (!cli.Get(follow) || run is null || run.Status is not (CouncilRunStatus.Running or CouncilRunStatus.AwaitingApproval))
                {
                    break;
                }

                // Polling, not waiting for a result: the store offers no change feed. Ctrl+C ends it.
                await Task.Delay(poll, TimeProvider.System, ct).ConfigureAwait(false);
            }

            if (cli.Output.Json && !cli.Get(follow))
            {
                cli.Output.WriteJson(json);
            }
            else if (!headerWritten && !cli.Output.Json)
            {
                cli.Output.Out.WriteLine("No events.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
