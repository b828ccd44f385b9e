namespace IssueCore.Enhance.Verifiers;

/// <summary>
/// One verifier axis: checks a proposed Blueprint change and passes or denies it. The built-in <c>verifier-router</c>
/// agent calls the axis registered under each name in the enhance setting's <see cref="EnhanceSetting.VerifierAxes"/>.
/// Register one with <c>services.AddIssueCoreVerifierAxis&lt;T&gt;("name")</c>; the built-in axes are <c>des</c>,
/// <c>canonical</c>, <c>noop</c> and <c>agent-ref</c>.
/// </summary>
/// <remarks>
/// An axis is called only for a patch that applied (<see cref="VerifierContext.Proposed"/> is set); when the patch
/// did not apply, every axis denies with <c>"not evaluated: the patch did not apply"</c> without being called.
/// The dispatcher commits a change only when every configured axis passed it here, as recorded by the host; what a
/// flow reports about verdicts is not counted, so an axis is the place for a check that must hold.
/// A denial is a value, not an exception: throwing fails the dispatch as an infrastructure fault (it is retried,
/// then dead-lettered), so throw only when the axis itself cannot work.
/// </remarks>
public interface IVerifierAxis
{
    /// <summary>Checks the change.</summary>
    /// <param name="context">The previous and proposed Blueprints, the patch and the issue.</param>
    /// <param name="cancellationToken">Cancelled when the dispatch's flow run is cancelled or its TTL expires.</param>
    /// <returns>A pass with evidence or a deny with a reason; <see cref="VerdictSummary.Axis"/> should be <see cref="VerifierContext.Axis"/>.</returns>
    ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default);
}
