using IssueCore.Blueprints;

namespace IssueCore.Enhance;

/// <summary>
/// Which flow dispatches issues, and how. Read on every dispatch, so editing it takes effect on the
/// next one (hot reload).
/// </summary>
/// <param name="OrbitBlueprintId">The series holding the flow Blueprint that dispatches issues.</param>
/// <param name="Selector">Which version of that series to run.</param>
/// <param name="VerifierAxes">The verifier axes every change is checked on, in order.</param>
/// <param name="Ttl">The deadline for one dispatch's flow run.</param>
public sealed record EnhanceSetting(
    BlueprintId OrbitBlueprintId,
    VersionSelector Selector,
    IReadOnlyList<string> VerifierAxes,
    TimeSpan Ttl)
{
    /// <summary>
    /// Whether a person must approve every change before it is committed. When set, a dispatch whose flow decides
    /// <c>applied</c> stops before the commit: the issue becomes <c>AwaitingApproval</c> (holding no lease) with the
    /// proposed Blueprint and the verdicts kept, until it is approved, rejected or its approval expires. Default: off.
    /// </summary>
    public bool RequireApproval { get; init; }

    /// <summary>The four built-in axes: <c>des</c>, <c>canonical</c>, <c>noop</c>, <c>agent-ref</c>.</summary>
    public static IReadOnlyList<string> BuiltInAxes { get; } = ["des", "canonical", "noop", "agent-ref"];
}
