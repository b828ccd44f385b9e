using System.CommandLine;
using System.Text.Json.Nodes;
using IssueCore.Cli.Output;
using IssueCore.Issues;

namespace IssueCore.Cli.Commands;

/// <summary><c>issue list | show | requeue | approve | reject</c>.</summary>
internal static class IssueCommands
{
    public static Command Create(CommandBody wrap)
    {
        var command = new Command("issue", "Read issues: the queue, and what happened to each.");
        command.Subcommands.Add(List(wrap));
        command.Subcommands.Add(Show(wrap));
        command.Subcommands.Add(Requeue(wrap));
        command.Subcommands.Add(Decide(wrap, approve: true));
        command.Subcommands.Add(Decide(wrap, approve: false));
        return command;
    }

    internal static JsonObject ToJson(Issue issue) => new()
    {
        ["id"] = issue.Id.Value,
        ["blueprint_id"] = issue.BlueprintId.Value,
        ["status"] = Args.Lower(issue.Status.State),
        ["new_version"] = issue.Status.NewVersion?.Value,
        ["reason"] = issue.Status.Reason,
        ["intent"] = issue.Intent,
        ["title"] = issue.Title,
        ["priority"] = Args.Lower(issue.Priority),
        ["attempts"] = issue.Attempts,
        ["last_error"] = issue.LastError,
        ["created_at"] = Args.Iso(issue.CreatedAt),
        ["updated_at"] = Args.Iso(issue.UpdatedAt),
    };

    private static Command List(CommandBody wrap)
    {
        var status = new Option<string?>("--status") { Description = "Only issues in this state: pending, running, awaitingapproval, applied, rejected or failed." };
        status.AcceptOnlyFromAmong("pending", "running", "awaitingapproval", "applied", "rejected", "failed");
        var limit = new Option<int>("--limit") { Description = "The most issues listed, oldest first.", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "List issues, oldest first.") { status, limit };
        command.SetAction(wrap(async (cli, ct) =>
        {
            await using var store = cli.OpenStore();
            IssueState? state = cli.Get(status) is { } s ? Enum.Parse<IssueState>(s, ignoreCase: true) : null;
            var page = await store.Issues.ListAsync(new IssueQuery { State = state, Limit = Math.Clamp(cli.Get(limit), 1, 1000) }, ct).ConfigureAwait(false);
            if (cli.Output.Json)
            {
                cli.Output.WriteJson(new JsonObject
                {
                    ["issues"] = new JsonArray([.. page.Items.Select(i => (JsonNode?)ToJson(i))]),
                    ["more"] = page.ContinuationToken is not null,
                });
                return ExitCodes.Ok;
            }

            var table = new TextTable("ID", "BLUEPRINT", "STATUS", "ATTEMPTS", "PRIORITY", "CREATED", "INTENT");
            foreach (var i in page.Items)
            {
                table.Add(i.Id.Value, i.BlueprintId.Value, Args.Lower(i.Status.State), i.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), Args.Lower(i.Priority), Args.Time(i.CreatedAt), i.Intent);
            }

            cli.Output.WriteTable(table, "No issues.");
            if (page.ContinuationToken is not null)
            {
                cli.Output.Out.WriteLine($"(more issues: raise --limit)");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CommandBody wrap)
    {
        var id = new Argument<string>("ID") { Description = "The issue id." };
        var command = new Command("show", "Show one issue, its status and its enhance log entry with the verdicts.") { id };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var issueId = Args.Issue(cli.Get(id), "ID");
            await using var store = cli.OpenStore();
            var issue = await store.Issues.GetAsync(issueId, ct).ConfigureAwait(false);
            var entry = await store.Log.FindAsync(issueId, ct).ConfigureAwait(false);
            if (cli.Output.Json)
            {
                var json = ToJson(issue);
                json["log"] = entry is null ? null : LogCommand.ToJson(entry);
                cli.Output.WriteJson(json);
                return ExitCodes.Ok;
            }

            var o = cli.Output.Out;
            o.WriteLine($"id:        {issue.Id}");
            o.WriteLine($"blueprint: {issue.BlueprintId}");
            o.WriteLine($"status:    {Args.Lower(issue.Status.State)}" + (issue.Status.NewVersion is { } v ? $" ({v.Short})" : string.Empty));
            if (issue.Status.Reason is { } reason)
            {
                o.WriteLine($"reason:    {reason}");
            }

            o.WriteLine($"intent:    {issue.Intent}");
            o.WriteLine($"attempts:  {issue.Attempts}");
            if (issue.LastError is { } error)
            {
                o.WriteLine($"error:     {error}");
            }

            o.WriteLine($"created:   {Args.Time(issue.CreatedAt)}");
            o.WriteLine($"updated:   {Args.Time(issue.UpdatedAt)}");
            if (entry is not null)
            {
                o.WriteLine();
                o.WriteLine($"enhance log: {Args.Lower(entry.Outcome)} at {Args.Time(entry.Timestamp)}, {entry.PreviousVersion?.Short} -> {entry.NewVersion?.Short}");
                FlowCommands.VerdictTable(entry.Verdicts).WriteTo(o);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Requeue(CommandBody wrap)
    {
        var id = new Argument<string>("ID") { Description = "The issue id." };
        var by = new Option<string?>("--by") { Description = "Who asks, recorded in the issue's history. Default: the user name." };
        var command = new Command(
            "requeue",
            "Send a failed or rejected issue back to the queue with a fresh retry budget (the library call the HTTP operator API uses). Exit code 5 when the issue is not failed or rejected.")
        {
            id, by,
        };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var issueId = Args.Issue(cli.Get(id), "ID");
            var requestedBy = cli.Get(by) is { Length: > 0 } name ? name : "cli:" + Environment.UserName;
            await using var store = cli.OpenStore();
            var result = await store.Application.RequeueAsync(issueId, requestedBy, ct).ConfigureAwait(false);
            if (cli.Output.Json)
            {
                var json = ToJson(result.Issue);
                json["requeued"] = result.Requeued;
                cli.Output.WriteJson(json);
            }
            else
            {
                cli.Output.Out.WriteLine(result.Requeued
                    ? $"Requeued {issueId} (round {result.Issue.Round}); a dispatcher will pick it up."
                    : $"Not requeued: {issueId} is {Args.Lower(result.Issue.Status.State)}; only failed or rejected issues go back to the queue.");
            }

            return result.Requeued ? ExitCodes.Ok : ExitCodes.Conflict;
        }));
        return command;
    }

    private static Command Decide(CommandBody wrap, bool approve)
    {
        var id = new Argument<string>("ID") { Description = "The issue that waits for approval." };
        var by = new Option<string?>("--by") { Description = "Who decides, recorded in the enhance log entry. Default: the user name." };
        var note = new Option<string?>("--note") { Description = "Why, recorded in the enhance log entry." };
        var command = new Command(
            approve ? "approve" : "reject",
            approve
                ? "Approve the change an issue waits with and commit it (the library call the HTTP operator API uses). Exit code 5 when the issue does not wait for approval or was decided already."
                : "Reject the change an issue waits with; the issue ends rejected. Exit code 5 when the issue does not wait for approval or was decided already.")
        {
            id, by, note,
        };
        command.SetAction(wrap(async (cli, ct) =>
        {
            var issueId = Args.Issue(cli.Get(id), "ID");
            var decidedBy = cli.Get(by) is { Length: > 0 } name ? name : "cli:" + Environment.UserName;
            await using var store = cli.OpenStore();
            Enhance.DispatchOutcome outcome;
            try
            {
                outcome = approve
                    ? await store.Application.ApproveAsync(issueId, decidedBy, cli.Get(note), ct).ConfigureAwait(false)
                    : await store.Application.RejectAsync(issueId, decidedBy, cli.Get(note), ct).ConfigureAwait(false);
            }
            catch (ApprovalNotPendingException ex)
            {
                cli.Output.Error.WriteLine("issuecore: " + ex.Message);
                return ExitCodes.Conflict;
            }

            var issue = await store.Issues.GetAsync(issueId, ct).ConfigureAwait(false);
            if (cli.Output.Json)
            {
                var json = ToJson(issue);
                json["decision"] = approve ? "approved" : "rejected";
                json["decided_by"] = decidedBy;
                json["result"] = Args.Lower(outcome.Result);
                cli.Output.WriteJson(json);
            }
            else
            {
                cli.Output.Out.WriteLine(outcome.Result == Enhance.DispatchResult.Applied
                    ? $"Approved {issueId}: committed {outcome.NewVersion?.Short}."
                    : $"{(approve ? "Approved" : "Rejected")} {issueId}: the issue is {Args.Lower(issue.Status.State)}{(issue.Status.Reason is { } reason ? " (" + reason + ")" : string.Empty)}.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
