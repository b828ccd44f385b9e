namespace IssueCore.Enhance.Verifiers;

/// <summary><c>noop</c>: the patch changed something.</summary>
internal sealed class NoopVerifierAxis : IVerifierAxis
{
    public ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
    {
        var verdict = context.Proposed.Version == context.Previous.Version
            ? new VerdictSummary(context.Axis, VerdictStatus.Deny, $"the patch changes nothing (the content is still {context.Previous.Version.Short})")
            : new VerdictSummary(context.Axis, VerdictStatus.Pass, $"{context.Previous.Version.Short} -> {context.Proposed.Version.Short}");
        return ValueTask.FromResult(verdict);
    }
}
