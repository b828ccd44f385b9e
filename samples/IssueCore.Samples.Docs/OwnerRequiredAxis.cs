using IssueCore.Enhance;
using IssueCore.Enhance.Verifiers;

namespace IssueCore.Samples.Docs;

// snippet: verifier-axis
/// <summary>A custom verifier axis: every proposed Blueprint must name an owner in its metadata.</summary>
public sealed class OwnerRequiredAxis : IVerifierAxis
{
    /// <inheritdoc />
    public ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
    {
        var owner = context.Proposed.ToJsonObject()["metadata"]?["owner"];
        return ValueTask.FromResult(owner is null
            ? new VerdictSummary(context.Axis, VerdictStatus.Deny, "metadata.owner is missing")
            : new VerdictSummary(context.Axis, VerdictStatus.Pass, $"owned by {owner}"));
    }
}
// endsnippet
