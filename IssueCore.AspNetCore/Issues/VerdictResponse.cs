namespace IssueCore.AspNetCore.Issues;

/// <summary>One verifier axis' verdict.</summary>
internal sealed record VerdictResponse(string Axis, string Status, string Detail);
