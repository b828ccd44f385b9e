using System.Text.Json;
using IssueCore.Issues;

namespace IssueCore.Client;

/// <summary>
/// An issue request, mirroring the server's wire schema (sent as snake_case JSON). The server
/// deduplicates by <see cref="TriggeringEventId"/>, so resending after a timeout is safe.
/// </summary>
public sealed record IssueSinkRequest
{
    /// <summary>A short title (1-256 characters).</summary>
    public required string Title { get; init; }

    /// <summary>A longer description; may be empty.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The repository (Blueprint series) the change targets.</summary>
    public required string TargetRepo { get; init; }

    /// <summary>Claim priority. Defaults to medium.</summary>
    public IssuePriority Priority { get; init; } = IssuePriority.Medium;

    /// <summary>Free-form labels (at most 20, 1-64 characters each).</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Days until the issue is due; no due date when <see langword="null"/>.</summary>
    public int? DueInDays { get; init; }

    /// <summary>What produced the request.</summary>
    public required IssueSourceType SourceType { get; init; }

    /// <summary>The rule or instruction id.</summary>
    public required string SourceId { get; init; }

    /// <summary>The event that triggered the request: the server's idempotency key.</summary>
    public required string TriggeringEventId { get; init; }

    /// <summary>The activity definition that emitted the request.</summary>
    public required string ActivityDefinitionId { get; init; }

    /// <summary>An explicit Blueprint id, when it differs from <see cref="TargetRepo"/>; omitted when <see langword="null"/>.</summary>
    public string? BlueprintId { get; init; }

    /// <summary>What the change should achieve; omitted when <see langword="null"/> (the server uses the title and description).</summary>
    public string? Intent { get; init; }

    /// <summary>RFC 6902 operations (a JSON array), if the emitter already has them; omitted when <see langword="null"/>.</summary>
    public JsonElement? Patch { get; init; }
}
