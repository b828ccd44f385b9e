using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;

namespace IssueCore.Issues;

/// <summary>
/// A change that waits for a person: what the enhance flow proposed for an issue (the Blueprint it would commit on top
/// of <see cref="PreviousVersion"/>, with the verdicts), kept by the issue store while the issue is
/// <see cref="IssueState.AwaitingApproval"/>, and the decision once it is made.
/// </summary>
public sealed record IssueApproval
{
    /// <summary>The issue.</summary>
    public required IssueId IssueId { get; init; }

    /// <summary>The issue's round (see <see cref="Issue.Round"/>) the approval belongs to.</summary>
    public int Round { get; init; }

    /// <summary>The flow run that proposed the change, if known.</summary>
    public CouncilRunId? RunId { get; init; }

    /// <summary>The head the change was computed and verified against: approval commits only on top of it.</summary>
    public required BlueprintVersion PreviousVersion { get; init; }

    /// <summary>The Blueprint an approval commits.</summary>
    public required Blueprint Proposed { get; init; }

    /// <summary>The content hash of the proposed patch, if the flow reported one.</summary>
    public string? PatchHash { get; init; }

    /// <summary>The committer's rationale.</summary>
    public required string Rationale { get; init; }

    /// <summary>The verdicts the host recorded, one per axis.</summary>
    public IReadOnlyList<VerdictSummary> Verdicts { get; init; } = [];

    /// <summary>When the dispatch epoch that computed the change started.</summary>
    public required DateTimeOffset EpochStartedAt { get; init; }

    /// <summary>When the issue began to wait.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>From this instant on the approval is expired: it ends <c>Rejected</c> (<c>approval expired</c>).</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The decision; <see langword="null"/> while waiting.</summary>
    public ApprovalVerdict? Verdict { get; init; }

    /// <summary>Who decided; <see langword="null"/> while waiting.</summary>
    public string? DecidedBy { get; init; }

    /// <summary>The decider's note, if any.</summary>
    public string? Note { get; init; }

    /// <summary>When it was decided; <see langword="null"/> while waiting.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Whether a decision is recorded.</summary>
    public bool IsDecided => Verdict is not null;

    /// <summary>This approval with <paramref name="decision"/> recorded (for adapters).</summary>
    /// <param name="decision">The decision.</param>
    public IssueApproval With(IssueApprovalDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return this with { Verdict = decision.Verdict, DecidedBy = decision.DecidedBy, Note = decision.Note, DecidedAt = decision.DecidedAt };
    }
}
