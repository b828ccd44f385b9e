namespace IssueCore.Issues;

/// <summary>What <see cref="IIssueStore.RequeueAsync"/> did.</summary>
/// <param name="Issue">The issue as stored after the call.</param>
/// <param name="Requeued">
/// <see langword="true"/> when this call moved the issue back to the queue; <see langword="false"/> when the issue was
/// not failed or rejected (already queued, running or applied, for example by a concurrent requeue), and nothing changed.
/// </param>
public sealed record IssueRequeueResult(Issue Issue, bool Requeued);
