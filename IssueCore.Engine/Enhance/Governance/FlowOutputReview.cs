namespace IssueCore.Enhance.Governance;

/// <summary>
/// What the host made of a flow's commit decision: the verdicts to log (the ones the host recorded, in the configured
/// axis order) and, for an <c>applied</c> decision the host will not commit, why.
/// </summary>
/// <param name="Verdicts">One verdict per configured axis, as the host recorded it.</param>
/// <param name="Refusal">Why the applied decision is refused, or <see langword="null"/> when it stands.</param>
internal sealed record FlowOutputReview(IReadOnlyList<VerdictSummary> Verdicts, string? Refusal);
