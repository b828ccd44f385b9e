namespace IssueCore.Flows;

internal sealed class SeqNode(string path, IReadOnlyList<FlowNode> children) : FlowNode(path)
{
    public IReadOnlyList<FlowNode> Children { get; } = children;
}
