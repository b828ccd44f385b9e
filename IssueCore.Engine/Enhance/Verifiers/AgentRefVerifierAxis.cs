namespace IssueCore.Enhance.Verifiers;

/// <summary><c>agent-ref</c>: every step <c>ref</c> names an agent the Blueprint declares in <c>agents</c>.</summary>
internal sealed class AgentRefVerifierAxis : IVerifierAxis
{
    public ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
    {
        var root = context.Proposed.Root;
        var declared = FlowRefs.DeclaredAgents(root);
        var refs = FlowRefs.Collect(root);
        var broken = refs.Where(r => !declared.Contains(r.Ref)).Select(r => $"{r.Path} = '{r.Ref}'").ToList();
        var verdict = broken.Count == 0
            ? new VerdictSummary(context.Axis, VerdictStatus.Pass, $"{refs.Count} step ref(s) name declared agents")
            : new VerdictSummary(context.Axis, VerdictStatus.Deny, "step refs name no declared agent: " + string.Join(", ", broken));
        return ValueTask.FromResult(verdict);
    }
}
