namespace IssueCore.Flows;

/// <summary>A node failed while the flow ran; carries the node's path and an error kind (see <see cref="FlowErrorKinds"/>).</summary>
internal sealed class FlowFaultException : Exception
{
    public FlowFaultException(string nodePath, string kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        NodePath = nodePath;
        Kind = kind;
    }

    public string NodePath { get; }

    public string Kind { get; }
}
