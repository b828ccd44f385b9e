using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Issues;

namespace IssueCore.Enhance.Spawning;

/// <summary>What an <see cref="IPatchSpawner"/> is asked: one issue without a patch, and the head it must patch.</summary>
public sealed record PatchSpawnRequest
{
    /// <summary>The issue's id.</summary>
    public required IssueId IssueId { get; init; }

    /// <summary>The series the issue targets.</summary>
    public required BlueprintId BlueprintId { get; init; }

    /// <summary>The issue's title (empty when it has none).</summary>
    public string Title { get; init; } = string.Empty;

    /// <summary>What the issue asks for, in free text.</summary>
    public required string Intent { get; init; }

    /// <summary>The issue's description, when it has one.</summary>
    public string? Description { get; init; }

    /// <summary>The issue's labels.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The version bump the issue asks for; a proposal may name another.</summary>
    public VersionBump Bump { get; init; } = VersionBump.Patch;

    /// <summary>The current head of the series, which the proposed patch is applied to.</summary>
    public required Blueprint Head { get; init; }

    /// <summary>The enhance setting the dispatch runs under.</summary>
    public EnhanceSettingId SettingId { get; init; } = EnhanceSettingId.Default;

    /// <summary>The flow run the proposal is recorded in.</summary>
    public required CouncilRunId RunId { get; init; }

    /// <summary>When the flow run's TTL expires; the spawner should answer before then.</summary>
    public DateTimeOffset? Deadline { get; init; }
}
