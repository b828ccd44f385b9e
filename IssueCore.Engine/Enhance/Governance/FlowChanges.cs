using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Enhance.Verifiers;
using IssueCore.Issues;
using IssueCore.Json;
using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance.Governance;

/// <summary>
/// The host's path for changing a flow series (see <see cref="EnhanceApplication.ChangeFlowAsync"/>). It does not go
/// through the queue or any flow: the flow being changed must not judge its own successor. The host applies the patch
/// to the head itself, checks the result on every axis of the setting by calling the registered
/// <see cref="IVerifierAxis"/> instances directly, and commits it with the head as parent.
/// </summary>
internal sealed class FlowChanges(
    IBlueprintStore blueprints,
    IEnhanceSettingStore settings,
    VerifierHost verifiers,
    EnhanceApplicationOptions options,
    ILogger logger)
{
    /// <summary>The commit origin of a flow change.</summary>
    public const string Origin = "flow-change";

    public async Task<BlueprintVersion> ChangeAsync(BlueprintId flowSeries, JsonElement patch, string rationale, VersionBump bump, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rationale);
        if (!options.AllowFlowChanges)
        {
            GovernanceLog.FlowChangeRefused(logger, flowSeries.Value, "flow changes are not enabled");
            throw new AuthorizationException("change-flow", "flow changes are not enabled on this host (set EnhanceApplicationOptions.AllowFlowChanges)");
        }

        var setting = await settings.FindAsync(options.SettingId, cancellationToken).ConfigureAwait(false);
        if (FlowSeriesGuard.WhyProtected(flowSeries, setting, options.SettingId) is null)
        {
            throw new ValidationException("$.blueprint_id", $"'{flowSeries}' is not a flow series of this host; change it with an ordinary issue");
        }

        var head = (await blueprints.ReadHeadAsync(flowSeries, cancellationToken).ConfigureAwait(false)).Value;
        var operations = JsonNode.Parse(patch.GetRawText());
        var proposed = ProposedBlueprint.Compute(head, operations, bump, "$");
        if (proposed.Version == head.Version)
        {
            throw new ValidationException("$", $"the patch changes nothing (the content of '{flowSeries}' is still {head.Version.Short})");
        }

        var denials = new List<ValidationError>();
        foreach (var axis in setting?.VerifierAxes ?? EnhanceSetting.BuiltInAxes)
        {
            var verifier = verifiers.FindAxis(axis);
            if (verifier is null)
            {
                denials.Add(new ValidationError("$.verifiers." + axis, $"unknown verifier axis '{axis}'"));
                continue;
            }

            var verdict = await verifier.VerifyAsync(
                new VerifierContext
                {
                    Axis = axis,
                    Previous = head,
                    Proposed = proposed,
                    ProposedHash = proposed.Version.Value,
                    Patch = operations,
                    FlowContext = [],
                },
                cancellationToken).ConfigureAwait(false);
            if (verdict.Status != VerdictStatus.Pass)
            {
                denials.Add(new ValidationError("$.verifiers." + axis, verdict.Detail));
            }
        }

        if (denials.Count > 0)
        {
            GovernanceLog.FlowChangeRefused(logger, flowSeries.Value, string.Join("; ", denials.Select(d => d.ToString())));
            throw new ValidationException(denials);
        }

        var stored = await blueprints.WriteNewAsync(
            flowSeries,
            proposed,
            [head.Version],
            new CommitMetadata(rationale, PatchHash: ContentHash.Of(operations), Origin: Origin),
            cancellationToken).ConfigureAwait(false);
        GovernanceLog.FlowChanged(logger, flowSeries.Value, head.Version.Value, stored.Value.Version.Value, rationale);
        return stored.Value.Version;
    }
}
