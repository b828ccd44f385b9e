namespace IssueCore.AspNetCore.Issues;

/// <summary>The enhance log entry of a dispatched issue.</summary>
internal sealed record EnhanceLogResponse(
    string Outcome,
    string BlueprintId,
    string? PreviousVersion,
    string? NewVersion,
    string Rationale,
    IReadOnlyList<VerdictResponse> Verdicts,
    IReadOnlyList<string> Reasons,
    DateTimeOffset Timestamp)
{
    /// <summary>The flow run that decided the outcome.</summary>
    public string? RunId { get; init; }
}
