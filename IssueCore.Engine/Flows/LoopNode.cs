namespace IssueCore.Flows;

internal sealed class LoopNode(string path, FlowNode body, Selector until, int maxIterations) : FlowNode(path)
{
    public FlowNode Body { get; } = body;

    public Selector Until { get; } = until;

    public int MaxIterations { get; } = maxIterations;
}
