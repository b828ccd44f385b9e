namespace IssueCore.Issues;

/// <summary>Where an issue came from (the ingestion request's source metadata).</summary>
/// <param name="Type">Rule or instruction.</param>
/// <param name="SourceId">The rule or instruction id.</param>
/// <param name="TriggeringEventId">The event that triggered the issue; the default idempotency key.</param>
/// <param name="ActivityDefinitionId">The activity definition that emitted it, if any.</param>
public sealed record IssueSource(
    IssueSourceType Type,
    string? SourceId = null,
    string? TriggeringEventId = null,
    string? ActivityDefinitionId = null);
