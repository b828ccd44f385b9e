namespace IssueCore.AspNetCore.Issues;

/// <summary>One keyed page of issues; pass <see cref="NextPage"/> as <c>page</c> for the next one.</summary>
internal sealed record IssueListResponse(IReadOnlyList<IssueResponse> Items, string? NextPage);
