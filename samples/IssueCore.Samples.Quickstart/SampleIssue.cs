using IssueCore.Issues;

namespace IssueCore.Samples.Quickstart;

/// <summary>An issue of the quickstart batch with the outcome it is meant to show.</summary>
internal sealed record SampleIssue(string Shows, IssueDraft Draft);
