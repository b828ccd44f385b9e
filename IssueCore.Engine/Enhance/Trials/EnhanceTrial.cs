using IssueCore.Blueprints;
using IssueCore.Council;

namespace IssueCore.Enhance;

/// <summary>
/// What the enhance flow decided in a trial (<see cref="EnhanceApplication.TryAsync"/>): the flow ran on the stored head
/// exactly as a dispatch runs it, but nothing was written: no issue, no commit, no log entry, no run.
/// </summary>
public sealed record EnhanceTrial
{
    /// <summary>The Blueprint series the trial targeted.</summary>
    public required BlueprintId BlueprintId { get; init; }

    /// <summary>The head the flow ran on.</summary>
    public required Blueprint Head { get; init; }

    /// <summary>
    /// <see cref="EnhanceOutcome.Applied"/> when a dispatch would commit <see cref="NewBlueprint"/>;
    /// <see cref="EnhanceOutcome.Rejected"/> when an axis denied the change or it changes nothing;
    /// <see cref="EnhanceOutcome.Failed"/> when the host would refuse the flow's output (see <see cref="Refusal"/>).
    /// </summary>
    public required EnhanceOutcome Outcome { get; init; }

    /// <summary>One verdict per configured axis, as the host recorded it during the trial.</summary>
    public required IReadOnlyList<VerdictSummary> Verdicts { get; init; }

    /// <summary>Why the change was rejected (<c>"axis: reason"</c>); empty when it would be applied.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>Why the host would refuse the flow's applied decision, or <see langword="null"/>.</summary>
    public string? Refusal { get; init; }

    /// <summary>The Blueprint a dispatch would commit (applied only).</summary>
    public Blueprint? NewBlueprint { get; init; }

    /// <summary>The flow's rationale for its decision.</summary>
    public string Rationale { get; init; } = string.Empty;

    /// <summary>The events of the trial run, in sequence order (kept in memory, never stored).</summary>
    public IReadOnlyList<CouncilRunEvent> Events { get; init; } = [];
}
