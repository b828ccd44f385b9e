namespace IssueCore.Flows;

internal sealed class TryNode(string path, FlowNode body, FlowNode? @catch) : FlowNode(path)
{
    public FlowNode Body { get; } = body;

    public FlowNode? Catch { get; } = @catch;
}
