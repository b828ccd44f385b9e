using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Blueprints;
using IssueCore.Enhance.Governance;
using IssueCore.Flows;
using IssueCore.Issues;

namespace IssueCore.Enhance.Verifiers;

/// <summary>
/// The <c>verifier-router</c> host agent of the enhance flow. Runs inside the fan-out over <c>$.verifiers</c>:
/// its input is the branch ctx with the axis name at <c>$.axis</c>, the target at <c>$.prev_bp</c> and the patch
/// applier's result at <c>$.applied</c>. It calls the <see cref="IVerifierAxis"/> registered under the axis name and
/// returns <c>{axis, status: "pass"|"deny", detail}</c>. An unknown axis denies; a patch that did not apply makes
/// every axis deny without calling it.
/// </summary>
/// <remarks>
/// Every verdict is also recorded with the host (<see cref="VerifierHost.Record"/>) under the run id the engine gave
/// this call, with the versions it was reached on. The dispatcher commits only what the host recorded as passing on
/// every axis; what the flow does with the returned verdict afterwards does not count.
/// </remarks>
internal sealed class VerifierRouterAgent(VerifierHost host) : IAgent
{
    public const string AgentName = "verifier-router";

    private readonly RecentBlueprints _blueprints = new();

    public async ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, CancellationToken cancellationToken)
    {
        if (invocation.Input is not JsonObject ctx)
        {
            throw new InvalidOperationException("verifier-router expects the flow ctx (an object) as its input.");
        }

        if (ctx["axis"] is not JsonValue axisValue || !axisValue.TryGetValue<string>(out var axis) || axis.Length == 0)
        {
            throw new InvalidOperationException("verifier-router expects the axis name (a string) at $.axis.");
        }

        // Within a dispatch, the branches share the Blueprints the dispatch built (one build of each document).
        var blueprints = host.BlueprintsOf(invocation.RunId);
        var (verdict, previous, proposed) = await VerifyAsync(axis, ctx, blueprints, cancellationToken).ConfigureAwait(false);
        host.Record(invocation.RunId, new RecordedVerdict(verdict, previous, proposed));
        return new JsonObject
        {
            ["axis"] = axis,
            ["status"] = verdict.Status == VerdictStatus.Pass ? "pass" : "deny",
            ["detail"] = verdict.Detail,
        };
    }

    private async ValueTask<(VerdictSummary Verdict, BlueprintVersion? Previous, BlueprintVersion? Proposed)> VerifyAsync(string axis, JsonObject ctx, DispatchBlueprints? blueprints, CancellationToken cancellationToken)
    {
        var verifier = host.FindAxis(axis);
        if (verifier is null)
        {
            return (Deny(axis, $"unknown verifier axis '{axis}' (register it with services.AddIssueCoreVerifierAxis<T>(\"{axis}\"))"), PreviousVersion(ctx, blueprints), null);
        }

        // The branch's ctx members are read where they still stand over the fan-out's snapshot: a branch reads a few
        // fields of $.applied, $.issue and $.proposal, not every member of them.
        if (CtxValues.Member(ctx, "applied") is not JsonObject applied)
        {
            throw new InvalidOperationException("verifier-router expects the patch applier's result (an object) at $.applied.");
        }

        if (CtxValues.Member(applied, "ok") is not JsonValue ok || !ok.TryGetValue<bool>(out var applyOk) || !applyOk)
        {
            return (Deny(axis, "not evaluated: the patch did not apply"), PreviousVersion(ctx, blueprints), null);
        }

        var previous = Build(ctx["prev_bp"], blueprints);
        Blueprint proposed;
        try
        {
            proposed = Build(CtxValues.Member(applied, "new_blueprint"), blueprints);
        }
        catch (ValidationException ex)
        {
            return (Deny(axis, "the patched document is not a Blueprint: " + ex.Message), previous.Version, null);
        }

        var hash = CtxValues.Member(applied, "new_hash") is JsonValue h && h.TryGetValue<string>(out var hs) ? hs : string.Empty;
        IssueId? issueId = CtxValues.Member(CtxValues.Member(ctx, "issue"), "id") is JsonValue idValue
                           && idValue.TryGetValue<string>(out var idText) && IssueId.TryParse(idText, null, out var parsed)
            ? parsed
            : null;
        var context = new VerifierContext
        {
            Axis = axis,
            IssueId = issueId,
            Previous = previous,
            Proposed = proposed,
            ProposedHash = hash,
            Patch = CtxValues.Member(CtxValues.Member(ctx, "proposal"), "ops"),
            FlowContext = ctx,
        };
        var verdict = await verifier.VerifyAsync(context, cancellationToken).ConfigureAwait(false);
        return (verdict with { Axis = axis }, previous.Version, proposed.Version);
    }

    /// <summary>The version of <c>$.prev_bp</c>, or <see langword="null"/> when it is not a Blueprint.</summary>
    private BlueprintVersion? PreviousVersion(JsonObject ctx, DispatchBlueprints? blueprints)
    {
        try
        {
            return Build(ctx["prev_bp"], blueprints).Version;
        }
        catch (ValidationException)
        {
            return null;
        }
    }

    /// <summary>The Blueprint of <paramref name="node"/>: the dispatch's shared one, or outside a dispatch a recently built one.</summary>
    private Blueprint Build(JsonNode? node, DispatchBlueprints? blueprints)
        => blueprints is null ? _blueprints.FromNode(node) : blueprints.FromNode(node);

    private static VerdictSummary Deny(string axis, string reason) => new(axis, VerdictStatus.Deny, reason);
}
