namespace IssueCore.Flows;

/// <summary>Well-known ctx paths.</summary>
internal static class FlowPaths
{
    /// <summary>Where a <c>try</c> node writes the caught error <c>{"message", "kind", "node"}</c> unless its <c>err_at</c> says otherwise.</summary>
    public static CtxPath Error { get; } = CtxPath.Parse("$.error");
}
