namespace IssueCore.Enhance;

/// <summary>One verifier axis' verdict.</summary>
/// <param name="Axis">The axis name, for example <c>des</c>.</param>
/// <param name="Status">Pass or deny.</param>
/// <param name="Detail">The evidence when passing; the reason when denying.</param>
public sealed record VerdictSummary(string Axis, VerdictStatus Status, string Detail);
