using IssueCore.Council;

namespace IssueCore.Launch;

/// <summary>
/// A flow run failed: a step's agent failed (the inner exception, for example a <see cref="ScriptException"/>),
/// a node could not run, or the run's TTL expired (the inner exception is a <see cref="TimeoutException"/>, or a
/// <see cref="ScriptException"/> with <see cref="ScriptLimit.Deadline"/> when a script noticed first). The run is recorded <c>Failed</c>.
/// </summary>
public sealed class FlowExecutionException : IssueCoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="runId">The run that failed.</param>
    /// <param name="nodePath">The node that failed, as a path inside the Blueprint (for example <c>$.flow.children[1]</c>).</param>
    /// <param name="errorKind">The error kind (see <see cref="Flows.FlowErrorKinds"/>), or <c>timeout</c>.</param>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The underlying error.</param>
    public FlowExecutionException(CouncilRunId runId, string nodePath, string errorKind, string message, Exception? innerException = null)
        : base($"Run '{runId}' failed at {nodePath}: {message}", innerException)
    {
        RunId = runId;
        NodePath = nodePath;
        ErrorKind = errorKind;
    }

    /// <summary>The run that failed.</summary>
    public CouncilRunId RunId { get; }

    /// <summary>The node that failed, as a path inside the Blueprint.</summary>
    public string NodePath { get; }

    /// <summary>The error kind (see <see cref="Flows.FlowErrorKinds"/>), or <c>timeout</c> when the TTL expired.</summary>
    public string ErrorKind { get; }
}
