using IssueCore.Flows;
using NuGet.Versioning;

namespace IssueCore.Enhance.Verifiers;

/// <summary>
/// <c>des</c>: the result is a well-formed Blueprint. Its flow and agents pass <see cref="FlowValidator"/>
/// (step refs are left to <c>agent-ref</c>), its <c>id</c> is the previous one, and its
/// <c>metadata.version_label</c> is a semantic version.
/// </summary>
internal sealed class DesVerifierAxis : IVerifierAxis
{
    public ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
    {
        var proposed = context.Proposed;
        var problems = new List<string>();
        if (proposed.Id is not { } id)
        {
            problems.Add("$.id is missing or not a string");
        }
        else if (!string.Equals(id, context.Previous.Id, StringComparison.Ordinal))
        {
            problems.Add($"$.id changed from '{context.Previous.Id}' to '{id}'");
        }

        var label = proposed.VersionLabel;
        if (label is null)
        {
            problems.Add("$.metadata.version_label is missing or not a string");
        }
        else if (!SemanticVersion.TryParse(label, out _))
        {
            problems.Add($"$.metadata.version_label '{label}' is not a semantic version");
        }

        // Unresolved refs are agent-ref's concern: treat every ref as resolvable here.
        var refs = FlowRefs.Collect(proposed.Root).Select(r => r.Ref);
        foreach (var error in FlowValidator.Validate(proposed, refs))
        {
            problems.Add(error.ToString());
        }

        return ValueTask.FromResult(problems.Count == 0
            ? new VerdictSummary(context.Axis, VerdictStatus.Pass, $"well-formed Blueprint '{proposed.Id}' at version_label {label}")
            : new VerdictSummary(context.Axis, VerdictStatus.Deny, "not a well-formed Blueprint: " + string.Join("; ", problems)));
    }
}
