namespace IssueCore.Flows;

internal sealed class TryNode(string path, FlowNode body, FlowNode? @catch, CtxPath errorAt) : FlowNode(path)
{
    public FlowNode Body { get; } = body;

    public FlowNode? Catch { get; } = @catch;

    /// <summary>Where the caught error record is written (<c>err_at</c>, by default <c>$.error</c>).</summary>
    public CtxPath ErrorAt { get; } = errorAt;
}
