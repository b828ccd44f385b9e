using System.Text.Json;
using System.Text.Json.Serialization;
using IssueCore.Issues;

namespace IssueCore.Client;

/// <summary>The request as it travels (snake_case; enums as the server's lower-case words).</summary>
internal sealed record WireIssueRequest(
    string Title,
    string Description,
    string TargetRepo,
    string Priority,
    IReadOnlyList<string> Labels,
    int? DueInDays,
    string SourceType,
    string SourceId,
    string TriggeringEventId,
    string ActivityDefinitionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BlueprintId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Intent,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Patch)
{
    public static WireIssueRequest From(IssueSinkRequest request) => new(
        request.Title,
        request.Description,
        request.TargetRepo,
        request.Priority switch
        {
            IssuePriority.High => "high",
            IssuePriority.Low => "low",
            _ => "medium",
        },
        request.Labels,
        request.DueInDays,
        request.SourceType == IssueSourceType.Instruction ? "instruction" : "rule",
        request.SourceId,
        request.TriggeringEventId,
        request.ActivityDefinitionId,
        request.BlueprintId,
        request.Intent,
        request.Patch);
}
