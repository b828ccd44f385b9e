namespace IssueCore.Issues;

/// <summary>How a change that waited for approval was decided.</summary>
public enum ApprovalVerdict
{
    /// <summary>A person approved it: the proposed version is committed (if the head has not moved).</summary>
    Approved = 0,

    /// <summary>A person rejected it: the issue ends <c>Rejected</c>.</summary>
    Rejected = 1,

    /// <summary>Nobody decided before the approval expired: the issue ends <c>Rejected</c> with the reason <c>approval expired</c>.</summary>
    Expired = 2,
}
