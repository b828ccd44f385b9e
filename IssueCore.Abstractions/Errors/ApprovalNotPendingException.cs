using IssueCore.Issues;

namespace IssueCore;

/// <summary>
/// An approval or rejection was asked for an issue that is not waiting for approval, and never was in its current
/// round. (An issue whose approval was already decided, for example by a concurrent approver, gets a
/// <see cref="ConflictException"/> instead.)
/// </summary>
public sealed class ApprovalNotPendingException : IssueCoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="issueId">The issue.</param>
    /// <param name="state">The state it is in.</param>
    public ApprovalNotPendingException(IssueId issueId, IssueState state)
        : base($"Issue '{issueId}' is {state}, not waiting for approval.")
    {
        IssueId = issueId;
        State = state;
    }

    /// <summary>The issue.</summary>
    public IssueId IssueId { get; }

    /// <summary>The state the issue is in.</summary>
    public IssueState State { get; }
}
