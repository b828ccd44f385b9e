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
    /// <remarks>
    /// A store must copy it (<see cref="JsonElement.Clone"/>, or serialise it) in <see cref="IIssueStore.CreateAsync"/>:
    /// the caller may dispose the <see cref="JsonDocument"/> it came from as soon as the call returns, and the issue
    /// must keep the patch unchanged. <see cref="ToIssue"/> does this.
    /// </remarks>
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

    // Ingestion identity and traceability.

    /// <summary>The ingestion request's <c>target_repo</c>, kept as sent.</summary>
    public string? TargetRepo { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the ingestion request, if any.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// For adapter authors: the new issue this draft describes, as <see cref="IIssueStore.CreateAsync"/> must store it:
    /// the draft's id (or a new one), every field of the draft, <see cref="Patch"/> copied so it outlives the caller's
    /// document, the labels copied, <see cref="IssueStatus.Pending"/>, no attempts, no lease, and
    /// <paramref name="createdAt"/> as both timestamps. Idempotency (an existing id or key) is the store's to check.
    /// </summary>
    /// <param name="createdAt">The store's current time, from its <see cref="TimeProvider"/>.</param>
    /// <returns>The pending issue.</returns>
    public Issue ToIssue(DateTimeOffset createdAt) => new()
    {
        Id = Id ?? IssueId.New(),
        BlueprintId = BlueprintId,
        Intent = Intent,
        Patch = Patch?.Clone(),
        Rationale = Rationale,
        Bump = Bump,
        Title = Title,
        Description = Description,
        Priority = Priority,
        Labels = [.. Labels],
        DueAt = DueAt,
        Source = Source,
        IdempotencyKey = IdempotencyKey,
        TargetRepo = TargetRepo,
        TraceParent = TraceParent,
        Status = IssueStatus.Pending,
        Attempts = 0,
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
    };
}
