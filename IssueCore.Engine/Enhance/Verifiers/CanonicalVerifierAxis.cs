using IssueCore.Json;

namespace IssueCore.Enhance.Verifiers;

/// <summary><c>canonical</c>: re-canonicalising the result gives the hash the patch applier reported.</summary>
internal sealed class CanonicalVerifierAxis : IVerifierAxis
{
    public ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
    {
        var recanonical = CanonicalJson.Canonicalize(context.Proposed.CanonicalJson);
        var rehash = ContentHash.OfCanonical(recanonical);
        var verdict = string.Equals(rehash, context.ProposedHash, StringComparison.Ordinal)
                      && string.Equals(rehash, context.Proposed.Version.Value, StringComparison.Ordinal)
            ? new VerdictSummary(context.Axis, VerdictStatus.Pass, $"canonical form hashes to {rehash}")
            : new VerdictSummary(context.Axis, VerdictStatus.Deny, $"the reported hash {context.ProposedHash} differs from the canonical hash {rehash}");
        return ValueTask.FromResult(verdict);
    }
}
