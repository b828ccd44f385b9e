namespace IssueCore.Issues;

/// <summary>What <see cref="IIssueStore.DecideApprovalAsync"/> did.</summary>
/// <param name="Issue">The issue as stored after the call.</param>
/// <param name="Approval">The issue's approval of its current round as stored after the call; <see langword="null"/> when it never waited in this round.</param>
/// <param name="Decided">
/// <see langword="true"/> when this call recorded the decision and took the lease on the issue; <see langword="false"/>
/// when the issue was not waiting for approval (never, or already decided by a concurrent call), and nothing changed.
/// </param>
public sealed record IssueApprovalResult(Issue Issue, IssueApproval? Approval, bool Decided);
