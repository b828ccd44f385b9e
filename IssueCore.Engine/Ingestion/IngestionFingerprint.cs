using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Issues;
using IssueCore.Json;

namespace IssueCore.Ingestion;

/// <summary>
/// The canonical hash of what an ingestion request asks for, computed the same way from the draft a request maps to
/// and from the issue a store holds, so a reused idempotency key can be told apart from a replay. It covers the
/// target, intent, patch, title, description, priority, labels and source; not the due date, which ingestion computes
/// from the time of the call.
/// </summary>
internal static class IngestionFingerprint
{
    public static string Of(IssueDraft draft) => Hash(
        draft.BlueprintId, draft.Intent, draft.Patch, draft.Title, draft.Description, draft.Priority, draft.Labels, draft.Source);

    public static string Of(Issue issue) => Hash(
        issue.BlueprintId, issue.Intent, issue.Patch, issue.Title, issue.Description, issue.Priority, issue.Labels, issue.Source);

    private static string Hash(
        BlueprintId target,
        string intent,
        System.Text.Json.JsonElement? patch,
        string title,
        string? description,
        IssuePriority priority,
        IReadOnlyList<string> labels,
        IssueSource? source)
    {
        var labelArray = new JsonArray();
        foreach (var label in labels.Order(StringComparer.Ordinal))
        {
            labelArray.Add(label);
        }

        var node = new JsonObject
        {
            ["blueprint_id"] = target.Value,
            ["intent"] = intent,
            ["patch"] = patch is { } p ? ContentHash.Of(p) : null, // hashed apart: a patch may be deeper than a node tree allows
            ["title"] = title,
            ["description"] = string.IsNullOrEmpty(description) ? null : description,
            ["priority"] = priority.ToString(),
            ["labels"] = labelArray,
            ["source"] = source is null
                ? null
                : new JsonObject
                {
                    ["type"] = source.Type.ToString(),
                    ["source_id"] = source.SourceId,
                    ["triggering_event_id"] = source.TriggeringEventId,
                    ["activity_definition_id"] = source.ActivityDefinitionId,
                },
        };
        return ContentHash.Of(node);
    }
}
