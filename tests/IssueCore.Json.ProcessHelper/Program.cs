using System.Text;
using System.Text.Json.Nodes;
using IssueCore;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Ingestion;
using IssueCore.Issues;
using IssueCore.Json;
using Microsoft.Extensions.DependencyInjection;

// Usage:
//   patch <file>     applies the JSON Patch in <file> to {"a":{}} with JsonPatch.Apply; prints
//                    "applied <depth>" or "refused <path>".
//   equals <file>    compares two values nested <file> (a number) levels deep with JsonPatch.JsonEquals;
//                    prints "equal True".
//   ingest <file>    ingests the request body in <file> (target "orders", seeded with the built-in
//                    enhance flow), then dispatches until the issue is final; prints "refused <path>"
//                    or "outcome <status>".
// Exit code 0 whenever the input was handled; a crash (a stack overflow) ends the process otherwise.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: patch <file> | ingest <file>");
    return 2;
}

var text = await File.ReadAllTextAsync(args[1], Encoding.UTF8);
switch (args[0])
{
    case "patch":
        {
            // Parsed without a depth limit of its own: JsonNode.Parse refuses deep text, and the patch
            // is flat; its pointers are what grow.
            var patch = JsonNode.Parse(text);
            try
            {
                var result = JsonPatch.Apply(JsonNode.Parse("""{"a":{}}"""), patch);
                Console.WriteLine($"applied {(result is null ? 0 : result.ToJsonString().Length)}");
            }
            catch (ValidationException ex)
            {
                Console.WriteLine($"refused {ex.Path}");
            }

            return 0;
        }

    case "equals":
        {
            // Two values nested <file> levels deep, built in code (a parser refuses that depth).
            var depth = int.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            JsonNode left = new JsonObject(), right = new JsonObject();
            for (var i = 1; i < depth; i++)
            {
                left = new JsonObject { ["a"] = left };
                right = new JsonObject { ["a"] = right };
            }

            Console.WriteLine($"equal {JsonPatch.JsonEquals(left, right)}");
            return 0;
        }

    case "ingest":
        {
            var services = new ServiceCollection();
            services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true).UseInMemory();
            services.AddIssueCoreIngestion(o => o.MaxBodyBytes = 1024 * 1024);
            await using var provider = services.BuildServiceProvider();
            var app = provider.GetRequiredService<EnhanceApplication>();
            await app.InstallDefaultFlowAsync();
            await provider.GetRequiredService<IBlueprintStore>().WriteNewAsync(
                BlueprintId.Parse("orders"),
                Blueprint.Parse("""{"id":"orders","metadata":{"version_label":"1.0.0"},"agents":[],"flow":{"kind":"seq","children":[]}}"""),
                [],
                new CommitMetadata("seed", Origin: "seed"));

            IngestionResult ingested;
            try
            {
                ingested = await provider.GetRequiredService<IIssueIngestionService>().IngestJsonAsync(Encoding.UTF8.GetBytes(text));
            }
            catch (ValidationException ex)
            {
                Console.WriteLine($"refused {ex.Path}");
                return 0;
            }

            var issues = provider.GetRequiredService<IIssueStore>();
            for (var tick = 0; tick < 100; tick++)
            {
                _ = await app.TickAsync();
                var issue = await issues.GetAsync(ingested.IssueId);
                if (issue.Status.IsTerminal)
                {
                    Console.WriteLine($"outcome {issue.Status.State}");
                    return 0;
                }
            }

            Console.WriteLine("outcome unfinished");
            return 0;
        }

    default:
        Console.Error.WriteLine($"unknown mode '{args[0]}'");
        return 2;
}
