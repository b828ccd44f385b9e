namespace IssueCore.Enhance.Spawning;

/// <summary>
/// Turns an issue that carries no RFC 6902 patch (a title, a description, an intent) into a proposed patch against the
/// current head of its Blueprint series. Register one with <c>services.AddIssueCorePatchSpawner&lt;T&gt;()</c>; the
/// built-in <c>enhance-default</c> flow then calls it from its <c>patch-spawner</c> step for every issue without a
/// patch. An issue that carries a patch never reaches a spawner.
/// </summary>
/// <remarks>
/// <para>A proposal is not a decision: it goes through the same patch application, verifier axes and host
/// re-application check as a patch the caller sent. A spawner never writes anything.</para>
/// <para>Return <see cref="PatchProposal.CannotPropose"/> when there is no patch to propose (the issue is then
/// <c>Rejected</c> with that reason, final). Throw only for an infrastructure fault (a provider that is down): the
/// dispatch is then retried with a back-off like any other fault, within the dispatcher's retry budget.</para>
/// </remarks>
public interface IPatchSpawner
{
    /// <summary>Proposes a patch for one issue against the head of its series.</summary>
    /// <param name="request">The issue and the head Blueprint.</param>
    /// <param name="cancellationToken">Cancelled when the flow run is cancelled or its TTL expires.</param>
    /// <returns>A proposed patch with its rationale, or a typed refusal with its reason.</returns>
    ValueTask<PatchProposal> ProposeAsync(PatchSpawnRequest request, CancellationToken cancellationToken = default);
}
