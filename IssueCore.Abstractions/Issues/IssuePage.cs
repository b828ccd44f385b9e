namespace IssueCore.Issues;

/// <summary>One page of issues in creation order.</summary>
/// <param name="Items">The issues on this page.</param>
/// <param name="ContinuationToken">Pass in the next <see cref="IssueQuery"/>; <see langword="null"/> on the last page.</param>
public sealed record IssuePage(IReadOnlyList<Issue> Items, string? ContinuationToken);
