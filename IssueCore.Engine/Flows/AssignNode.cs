namespace IssueCore.Flows;

internal sealed class AssignNode(string path, CtxPath at, Selector value) : FlowNode(path)
{
    public CtxPath At { get; } = at;

    public Selector Value { get; } = value;
}
