namespace IssueCore.Flows;

internal sealed class StepNode(string path, string agentRef, Selector input, CtxPath? output) : FlowNode(path)
{
    public string AgentRef { get; } = agentRef;

    public Selector Input { get; } = input;

    public CtxPath? Output { get; } = output;
}
