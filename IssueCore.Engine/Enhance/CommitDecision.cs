using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>The committer's decision, read strictly from <c>$.commit</c> of the flow's final ctx.</summary>
internal sealed record CommitDecision
{
    public required bool Applied { get; init; }

    public required string Rationale { get; init; }

    public required string Summary { get; init; }

    public required IReadOnlyList<VerdictSummary> Verdicts { get; init; }

    /// <summary>Applied only: the patched Blueprint (already canonical; its version equals <see cref="NewHash"/>).</summary>
    public Blueprint? NewBlueprint { get; init; }

    public BlueprintVersion? NewHash { get; init; }

    public VersionBump Bump { get; init; }

    public string? PatchHash { get; init; }

    /// <summary>Rejected only: at least one <c>"axis: reason"</c>.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    public string RejectionReason => string.Join("; ", Reasons);
}
