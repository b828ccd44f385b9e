namespace IssueCore.Flows;

internal sealed class BranchNode(string path, Selector condition, FlowNode then, FlowNode? @else) : FlowNode(path)
{
    public Selector Condition { get; } = condition;

    public FlowNode Then { get; } = then;

    public FlowNode? Else { get; } = @else;
}
