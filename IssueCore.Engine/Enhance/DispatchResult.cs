namespace IssueCore.Enhance;

/// <summary>How one claimed issue's dispatch ended.</summary>
public enum DispatchResult
{
    /// <summary>Committed as a new Blueprint version; the issue is <c>Applied</c>.</summary>
    Applied = 0,

    /// <summary>At least one verifier denied the change; the issue is <c>Rejected</c>.</summary>
    Rejected = 1,

    /// <summary>Dead-lettered: the retry budget is exhausted or the flow's commit decision was malformed; the issue is <c>Failed</c>.</summary>
    Failed = 2,

    /// <summary>An infrastructure fault: the issue went back to <c>Pending</c> with a back-off and will be dispatched again.</summary>
    Retrying = 3,

    /// <summary>The lease was lost (another dispatcher took the issue over); this dispatcher changed nothing more.</summary>
    LeaseLost = 4,

    /// <summary>
    /// The flow reported an applied decision the host does not stand behind: its <c>new_blueprint</c> is not the head
    /// patched with the operations it proposed, or the host's verifier-router did not record a pass of every configured
    /// axis on that change. Nothing was written; the issue is <c>Failed</c> with a <c>refused: …</c> reason.
    /// </summary>
    Refused = 5,

    /// <summary>
    /// The setting requires approval: the flow proposed a change that passed every axis, and the issue now waits
    /// (<c>AwaitingApproval</c>, holding no lease) for <see cref="EnhanceApplication.ApproveAsync"/> or
    /// <see cref="EnhanceApplication.RejectAsync"/>. <see cref="DispatchOutcome.NewVersion"/> is the version an approval commits.
    /// </summary>
    AwaitingApproval = 6,
}
