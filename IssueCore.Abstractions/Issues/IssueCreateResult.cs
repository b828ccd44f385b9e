namespace IssueCore.Issues;

/// <summary>The result of <see cref="IIssueStore.CreateAsync"/>.</summary>
/// <param name="Issue">The created issue, or the existing one with the same idempotency key or id.</param>
/// <param name="Created"><see langword="true"/> when this call created it; <see langword="false"/> for a duplicate.</param>
public sealed record IssueCreateResult(Issue Issue, bool Created);
