using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Issues;

// Usage:
//   claim <db-file> <owner>   prints "ready", waits for a line on stdin, claims one issue and prints
//                             "holding", waits for another line (so every child holds a lease at once),
//                             then completes it and claims and completes issues until none is left;
//                             prints "claimed <n>".
//   burst <db-file> <tag>     forever: writes a new Blueprint version on top of the head of series
//                             "burst" and appends one event to run <tag>; prints one line per round.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: claim <db-file> <owner> | burst <db-file> <tag>");
    return 2;
}

var options = new SqliteStoreOptions { ConnectionString = $"Data Source={args[1]}" };
await using var database = new SqliteDatabase(options);
await database.MigrateAsync();

switch (args[0])
{
    case "claim":
        {
            var issues = new SqliteIssueStore(database);
            var owner = args[2];
            var applied = IssueStatus.Applied(BlueprintVersion.Parse(new string('a', 64)));
            Console.WriteLine("ready");
            Console.Out.Flush();
            _ = Console.ReadLine();
            var claimed = 0;
            var issue = await issues.ClaimNextAsync(owner, TimeSpan.FromMinutes(10));
            Console.WriteLine("holding");
            Console.Out.Flush();
            _ = Console.ReadLine();
            while (issue is not null)
            {
                await issues.CompleteAsync(issue.Id, owner, applied);
                claimed++;
                issue = await issues.ClaimNextAsync(owner, TimeSpan.FromMinutes(10));
            }

            Console.WriteLine($"claimed {claimed.ToString(CultureInfo.InvariantCulture)}");
            return 0;
        }

    case "burst":
        {
            var blueprints = new SqliteBlueprintStore(database);
            var council = new SqliteCouncilRepository(database);
            var series = BlueprintId.Parse("burst");
            var runId = CouncilRunId.Parse(args[2]);
            var now = database.TimeProvider.GetUtcNow();
            await council.CreateRunAsync(new CouncilRun { Id = runId, FlowId = "burst", Status = CouncilRunStatus.Running, CreatedAt = now, UpdatedAt = now });
            var payload = JsonDocument.Parse("{\"step\":\"burst\"}").RootElement;
            for (var round = 0; ; round++)
            {
                BlueprintVersion[] parents = [];
                var counter = 0L;
                try
                {
                    var head = await blueprints.ReadHeadAsync(series);
                    parents = [head.Trace.Version];
                    counter = head.Value.Root.GetProperty("counter").GetInt64();
                }
                catch (IssueCore.NotFoundException)
                {
                }

                var next = new JsonObject
                {
                    ["id"] = "burst",
                    ["counter"] = counter + 1,
                    ["writer"] = args[2],
                    ["metadata"] = new JsonObject { ["version_label"] = $"1.0.{counter + 1}" },
                    ["padding"] = new string('x', 512),
                };
                await blueprints.WriteNewAsync(series, Blueprint.FromNode(next), parents, new CommitMetadata("burst", Origin: "burst"));
                await council.AppendEventAsync(new CouncilRunEventDraft(runId, round % 5, "step.completed", "n1", payload));
                Console.WriteLine(round.ToString(CultureInfo.InvariantCulture));
                Console.Out.Flush();
            }
        }

    default:
        Console.Error.WriteLine($"unknown command {args[0]}");
        return 2;
}
