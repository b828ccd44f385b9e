using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Json;

namespace IssueCore.Enhance.Governance;

/// <summary>
/// Checks a flow's commit decision against what the host knows, so that the flow proposes but the host decides.
/// An <c>applied</c> decision stands only when
/// <list type="number">
/// <item>the patch the flow proposed (<c>$.proposal.ops</c> of the final ctx) hashes to the reported <c>patch_hash</c>;</item>
/// <item>the head the host read, patched with those operations and the reported <c>bump</c>
/// (<see cref="ProposedBlueprint"/>), is exactly the reported <c>new_blueprint</c>;</item>
/// <item>for every configured axis, the host's <c>verifier-router</c> recorded a pass, and no deny, on that very change
/// (from the head to that Blueprint) during this run.</item>
/// </list>
/// The verdicts the flow reports are never used: the log carries the ones the host recorded. A <c>rejected</c>
/// decision always stands (refusing to change anything is within a flow's authority).
/// </summary>
internal static class FlowOutputReviewer
{
    /// <summary>Where the final ctx holds the operations the flow proposed.</summary>
    public const string OperationsPath = "$.proposal.ops";

    public static FlowOutputReview Review(CommitDecision decision, JsonObject finalContext, Blueprint head, IReadOnlyList<string> axes, VerdictCollector collector)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(finalContext);
        ArgumentNullException.ThrowIfNull(collector);
        var recorded = collector.Snapshot();
        if (!decision.Applied || decision.NewBlueprint is not { } reported)
        {
            return new FlowOutputReview(Reported(recorded, axes, head.Version), null);
        }

        var refusal = WhyRefused(decision, reported, finalContext, head, axes, recorded, collector, out var passes);
        return refusal is null
            ? new FlowOutputReview(passes, null)
            : new FlowOutputReview(Reported(recorded, axes, head.Version), refusal);
    }

    private static string? WhyRefused(
        CommitDecision decision,
        Blueprint reported,
        JsonObject finalContext,
        Blueprint head,
        IReadOnlyList<string> axes,
        IReadOnlyList<RecordedVerdict> recorded,
        VerdictCollector collector,
        out List<VerdictSummary> passes)
    {
        passes = new List<VerdictSummary>(axes.Count);
        if (collector.Overflowed)
        {
            return $"the flow asked the verifier-router for more than {VerdictCollector.Capacity} verdicts";
        }

        var operations = finalContext["proposal"] is JsonObject proposal ? proposal["ops"] : null;
        if (operations is not JsonArray)
        {
            return $"the final ctx holds no RFC 6902 operations at {OperationsPath}, so the host cannot recompute the proposed Blueprint";
        }

        string patchHash;
        try
        {
            patchHash = ContentHash.Of(operations);
        }
        catch (Exception ex) when (ex is ValidationException or InvalidOperationException or InsufficientExecutionStackException)
        {
            return $"the operations at {OperationsPath} have no canonical form: {ex.Message}";
        }

        if (!string.Equals(patchHash, decision.PatchHash, StringComparison.Ordinal))
        {
            return $"the reported patch_hash {decision.PatchHash} is not the hash of the operations at {OperationsPath} ({patchHash})";
        }

        Blueprint expected;
        try
        {
            expected = ProposedBlueprint.Compute(head, operations, decision.Bump, OperationsPath, collector.Blueprints);
        }
        catch (ValidationException ex)
        {
            return "the host cannot recompute the proposed Blueprint: " + ex.Message;
        }

        if (expected.Version != reported.Version)
        {
            return $"the reported new_blueprint ({reported.Version.Short}) is not the head {head.Version.Short} patched with the operations at {OperationsPath} and bump '{Bump(decision)}' ({expected.Version.Short})";
        }

        foreach (var axis in axes)
        {
            VerdictSummary? pass = null;
            foreach (var r in recorded)
            {
                if (!string.Equals(r.Verdict.Axis, axis, StringComparison.Ordinal) || r.Previous != head.Version || r.Proposed != expected.Version)
                {
                    continue;
                }

                if (r.Verdict.Status != VerdictStatus.Pass)
                {
                    return $"axis '{axis}' denied this change when the host verified it ({r.Verdict.Detail}), yet the flow reported it applied";
                }

                pass = r.Verdict;
            }

            if (pass is null)
            {
                return $"the host recorded no verdict of axis '{axis}' on this change ({head.Version.Short} -> {expected.Version.Short}): every configured axis must pass it through the verifier-router";
            }

            passes.Add(pass);
        }

        return null;
    }

    /// <summary>
    /// For the log of a decision that writes nothing: per configured axis, the last verdict the host recorded on the
    /// head, else the last one for the axis at all, else a deny saying that none was recorded.
    /// </summary>
    private static List<VerdictSummary> Reported(IReadOnlyList<RecordedVerdict> recorded, IReadOnlyList<string> axes, BlueprintVersion head)
    {
        var verdicts = new List<VerdictSummary>(axes.Count);
        foreach (var axis in axes)
        {
            VerdictSummary? onHead = null;
            VerdictSummary? any = null;
            foreach (var r in recorded)
            {
                if (!string.Equals(r.Verdict.Axis, axis, StringComparison.Ordinal))
                {
                    continue;
                }

                any = r.Verdict;
                if (r.Previous == head)
                {
                    onHead = r.Verdict;
                }
            }

            verdicts.Add(onHead ?? any ?? new VerdictSummary(axis, VerdictStatus.Deny, "not evaluated: the host recorded no verdict of this axis"));
        }

        return verdicts;
    }

    private static string Bump(CommitDecision decision) => decision.Bump.ToString().ToLowerInvariant();
}
