namespace IssueCore.Issues;

/// <summary>
/// One requeue in an issue's history: an operator sent a dead-lettered (<see cref="IssueState.Failed"/>) or
/// <see cref="IssueState.Rejected"/> issue back to the queue, which began round <see cref="Round"/>.
/// </summary>
public sealed record IssueRequeue
{
    /// <summary>The most rounds one issue can have: a requeue beyond it is refused, so the history stays bounded.</summary>
    public const int MaxRounds = 100;

    /// <summary>The issue.</summary>
    public required IssueId IssueId { get; init; }

    /// <summary>The round this requeue began (1 for the first requeue).</summary>
    public required int Round { get; init; }

    /// <summary>Who asked for it (an operator name, as the caller authenticated it).</summary>
    public required string RequestedBy { get; init; }

    /// <summary>When the store moved the issue back to the queue.</summary>
    public required DateTimeOffset RequeuedAt { get; init; }

    /// <summary>The terminal status the issue had before (failed or rejected, with its reason).</summary>
    public required IssueStatus PreviousStatus { get; init; }

    /// <summary>The issue's <see cref="Issue.Attempts"/> before the requeue (the new round's <see cref="Issue.RoundStartAttempts"/>).</summary>
    public required int PreviousAttempts { get; init; }
}
