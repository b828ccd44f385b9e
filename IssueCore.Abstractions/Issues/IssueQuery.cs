namespace IssueCore.Issues;

/// <summary>One page request for <see cref="IIssueStore.ListAsync"/>. Pages are keyed (not offset), in creation order.</summary>
public sealed record IssueQuery
{
    /// <summary>Only issues in this state; all states when <see langword="null"/>.</summary>
    public IssueState? State { get; init; }

    /// <summary>The page size, 1 to 1000. Defaults to 100.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>The <see cref="IssuePage.ContinuationToken"/> of the previous page, or <see langword="null"/> for the first.</summary>
    public string? ContinuationToken { get; init; }
}
