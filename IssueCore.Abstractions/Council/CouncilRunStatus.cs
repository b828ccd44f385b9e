namespace IssueCore.Council;

/// <summary>The lifecycle status of a flow run.</summary>
public enum CouncilRunStatus
{
    /// <summary>Executing.</summary>
    Running = 0,

    /// <summary>Paused until someone approves.</summary>
    AwaitingApproval = 1,

    /// <summary>The process died while the run was executing; it can be resumed.</summary>
    Interrupted = 2,

    /// <summary>Terminal: every step finished.</summary>
    Completed = 3,

    /// <summary>Terminal: a step failed.</summary>
    Failed = 4,

    /// <summary>Terminal: cancelled.</summary>
    Cancelled = 5,
}
