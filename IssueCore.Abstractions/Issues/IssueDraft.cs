using System.Text.Json;
using IssueCore.Blueprints;

namespace IssueCore.Issues;

/// <summary>What a caller supplies to create an issue. The store fills in status, attempts and timestamps.</summary>
public sealed record IssueDraft
{
    /// <summary>The id to use; a new one is generated when <see langword="null"/>.</summary>
    public IssueId? Id { get; init; }

    /// <summary>The Blueprint series the change targets.</summary>
    public required BlueprintId BlueprintId { get; init; }

    /// <summary>What the change should achieve, in free text.</summary>
    public required string Intent { get; init; }

    /// <summary>The RFC 6902 operations, when the caller already has them (a JSON array).</summary>
    public JsonElement? Patch { get; init; }

    /// <summary>Why the change is wanted; becomes the commit rationale.</summary>
    public string? Rationale { get; init; }

    /// <summary>Which part of <c>metadata.version_label</c> an applied change bumps.</summary>
    public VersionBump Bump { get; init; } = VersionBump.Patch;

    /// <summary>A short title.</summary>
    public string Title { get; init; } = string.Empty;

    /// <summary>A longer description.</summary>
    public string? Description { get; init; }

    /// <summary>Claim priority.</summary>
    public IssuePriority Priority { get; init; } = IssuePriority.Medium;

    /// <summary>Free-form labels.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>When the issue should be resolved by, if anyone said.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>Where the issue came from.</summary>
    public IssueSource? Source { get; init; }

    /// <summary>
    /// Deduplicates creation: a second create with the same key returns the first issue and creates
    /// nothing. Ingestion uses the triggering event id.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}
