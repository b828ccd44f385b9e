using System.Text.Json;
using System.Text.Json.Serialization;
using IssueCore.Client;
using IssueCore.Issues;

namespace IssueCore.Adapters.Nats.Sinks;

/// <summary>
/// The request as it travels: the same snake_case schema the HTTP endpoint and the ingestion parser
/// use (enums as the lower-case wire words, optional members omitted when absent).
/// </summary>
internal sealed record NatsWireIssueRequest(
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
    public static NatsWireIssueRequest From(IssueSinkRequest request) => new(
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
