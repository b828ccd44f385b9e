namespace IssueCore.Flows;

/// <summary>A validated node of a flow. <see cref="Path"/> is where it sits in the Blueprint, for example <c>$.flow.children[1]</c>.</summary>
internal abstract class FlowNode(string path)
{
    public string Path { get; } = path;
}
