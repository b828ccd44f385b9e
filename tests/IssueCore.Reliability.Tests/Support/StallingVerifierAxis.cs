using IssueCore.Enhance;
using IssueCore.Enhance.Verifiers;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>A verifier axis that asks a remote dependency, which may stop answering (see <see cref="Stall"/>); it passes when answered.</summary>
internal sealed class StallingVerifierAxis(Stall stall) : IVerifierAxis
{
    public async ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
    {
        await stall.WaitAsync(nameof(VerifyAsync), cancellationToken);
        return new VerdictSummary(context.Axis, VerdictStatus.Pass, "the remote verifier agrees");
    }
}
