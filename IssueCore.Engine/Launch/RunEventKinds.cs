namespace IssueCore.Launch;

/// <summary>The kinds of the council events a flow run appends.</summary>
public static class RunEventKinds
{
    /// <summary>A step is about to call its agent. Payload: <c>{"node", "key", "agent"}</c>.</summary>
    public const string StepStarted = "step.started";

    /// <summary>
    /// A step's agent returned. Payload: <c>{"node", "key", "agent", "output"}</c>: the step instance's key and the agent's
    /// output, which a resume or rewind replays instead of calling the agent again.
    /// </summary>
    public const string StepCompleted = "step.completed";

    /// <summary>A step's agent failed. Payload: <c>{"node", "key", "agent", "error": {"message", "kind", "node"}}</c>.</summary>
    public const string StepFailed = "step.failed";

    /// <summary>
    /// A wave finished. Payload: <c>{}</c>; the ctx at the end of the wave follows from the initial ctx and the outputs
    /// recorded up to it (<c>TaskLaunchService.ReadContextAsync</c> rebuilds it).
    /// </summary>
    public const string WaveCompleted = "wave.completed";
}
