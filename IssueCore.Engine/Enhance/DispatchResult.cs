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
}
