namespace IssueCore.AspNetCore.Problems;

/// <summary>One validation problem: where (a JSON path) and what.</summary>
internal sealed record ProblemError(string Path, string Message);
