using System.Text.Json;
using IssueCore.Issues;

namespace IssueCore.Ingestion;

/// <summary>
/// A request to create an issue, as emitters send it. On the wire the members are snake_case
/// (<c>title</c>, <c>description</c>, <c>target_repo</c>, <c>priority</c>, <c>labels</c>,
/// <c>due_in_days</c>, <c>source_type</c>, <c>source_id</c>, <c>triggering_event_id</c>,
/// <c>activity_definition_id</c>, <c>blueprint_id</c>, <c>intent</c>, <c>patch</c>).
/// </summary>
/// <remarks>
/// Every member is nullable so that a missing field is reported by validation rather than by the
/// compiler. Limits (in UTF-16 characters): <c>title</c> required, 1-256; <c>description</c> up to
/// 16,384; <c>target_repo</c> required, 1-200; <c>priority</c> required; at most 20 <c>labels</c> of
/// 1-64 characters; <c>due_in_days</c> 0-3,650; <c>source_type</c> required; <c>source_id</c>,
/// <c>triggering_event_id</c> and <c>activity_definition_id</c> required, 1-200; <c>blueprint_id</c>
/// 1-200; <c>intent</c> up to 16,384; <c>patch</c> an RFC 6902 array. No text may contain U+0000 or an
/// unpaired surrogate.
/// </remarks>
public sealed record IngestionRequest
{
    /// <summary>A short title. Required.</summary>
    public string? Title { get; init; }

    /// <summary>A longer description; may be empty.</summary>
    public string? Description { get; init; }

    /// <summary>The repository (series) the change targets; mapped to a Blueprint id by <see cref="IBlueprintResolver"/>. Required.</summary>
    public string? TargetRepo { get; init; }

    /// <summary>Claim priority (<c>high</c>, <c>medium</c> or <c>low</c> on the wire). Required.</summary>
    public IssuePriority? Priority { get; init; }

    /// <summary>Free-form labels; none when <see langword="null"/>.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Days from ingestion until the issue is due; no due date when <see langword="null"/>.</summary>
    public int? DueInDays { get; init; }

    /// <summary>What produced the request (<c>rule</c> or <c>instruction</c> on the wire). Required.</summary>
    public IssueSourceType? SourceType { get; init; }

    /// <summary>The rule or instruction id. Required.</summary>
    public string? SourceId { get; init; }

    /// <summary>The event that triggered the request; the default idempotency key. Required.</summary>
    public string? TriggeringEventId { get; init; }

    /// <summary>The activity definition that emitted the request. Required.</summary>
    public string? ActivityDefinitionId { get; init; }

    /// <summary>An explicit Blueprint id; when set, the default resolver uses it instead of <see cref="TargetRepo"/>.</summary>
    public string? BlueprintId { get; init; }

    /// <summary>What the change should achieve; defaults to the title and description.</summary>
    public string? Intent { get; init; }

    /// <summary>RFC 6902 operations the emitter already has (a JSON array), if any.</summary>
    public JsonElement? Patch { get; init; }
}
