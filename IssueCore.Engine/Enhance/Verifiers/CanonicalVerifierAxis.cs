using IssueCore.Json;

namespace IssueCore.Enhance.Verifiers;

/// <summary><c>canonical</c>: re-canonicalising the result gives the hash the patch applier reported.</summary>
internal sealed class CanonicalVerifierAxis : IVerifierAxis
{
    public ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
    {
        // The parsed document written again in canonical form (UTF-8, no string in between) and hashed.
        var rehash = ContentHash.Of(context.Proposed.Root);
        var verdict = string.Equals(rehash, context.ProposedHash, StringComparison.Ordinal)
                      && string.Equals(rehash, context.Proposed.Version.Value, StringComparison.Ordinal)
            ? new VerdictSummary(context.Axis, VerdictStatus.Pass, $"canonical form hashes to {rehash}")
            : new VerdictSummary(context.Axis, VerdictStatus.Deny, $"the reported hash {context.ProposedHash} differs from the canonical hash {rehash}");
        return ValueTask.FromResult(verdict);
    }
}
