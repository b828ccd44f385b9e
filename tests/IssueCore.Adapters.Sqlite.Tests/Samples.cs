using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Adapters.Sqlite.Tests;

internal static class Samples
{
    public static readonly BlueprintId Series = BlueprintId.Parse("orders");

    public static Blueprint Blueprint(int n) => IssueCore.Blueprints.Blueprint.FromNode(new JsonObject
    {
        ["id"] = "orders",
        ["flow"] = new JsonObject { ["step"] = new JsonObject { ["ref"] = "a" } },
        ["agents"] = new JsonArray(),
        ["metadata"] = new JsonObject { ["version_label"] = $"1.0.{n}" },
        ["n"] = n,
    });

    public static IssueDraft Draft(string? key = null, IssuePriority priority = IssuePriority.Medium) => new()
    {
        BlueprintId = Series,
        Intent = "add a step",
        IdempotencyKey = key,
        Priority = priority,
    };

    public static IssueStatus Applied { get; } = IssueStatus.Applied(BlueprintVersion.Parse(new string('b', 64)));
}
