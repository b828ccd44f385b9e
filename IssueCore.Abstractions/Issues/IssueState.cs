namespace IssueCore.Issues;

/// <summary>The lifecycle state of an issue.</summary>
public enum IssueState
{
    /// <summary>Queued, waiting to be claimed (possibly after a back-off).</summary>
    Pending = 0,

    /// <summary>Claimed by one dispatcher, which holds a lease.</summary>
    Running = 1,

    /// <summary>Terminal: the change was committed as a new Blueprint version.</summary>
    Applied = 2,

    /// <summary>Terminal: a verifier denied the change.</summary>
    Rejected = 3,

    /// <summary>Terminal: infrastructure kept failing after the retry budget (the dead letter).</summary>
    Failed = 4,

    /// <summary>
    /// The enhance flow proposed a change that the setting requires a person to approve: the issue holds no lease and
    /// waits for <c>EnhanceApplication.ApproveAsync</c> or <c>RejectAsync</c>, or for its approval to expire. Not terminal.
    /// </summary>
    AwaitingApproval = 5,
}
