namespace IssueCore.AspNetCore.Issues;

/// <summary>Where an issue came from.</summary>
internal sealed record IssueSourceResponse(string Type, string? SourceId, string? TriggeringEventId, string? ActivityDefinitionId);
