using IssueCore.Blueprints;

namespace IssueCore.Enhance.Governance;

/// <summary>
/// One verdict the host's <c>verifier-router</c> agent reached, with the versions it was reached on: the Blueprint
/// before the patch and the proposed one (either <see langword="null"/> when the router could not build it, for
/// example because the patch did not apply).
/// </summary>
internal sealed record RecordedVerdict(VerdictSummary Verdict, BlueprintVersion? Previous, BlueprintVersion? Proposed);
