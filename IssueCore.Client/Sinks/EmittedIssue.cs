namespace IssueCore.Client;

/// <summary>One request recorded by <see cref="NullIssueSink"/>.</summary>
/// <param name="Reference">The synthetic reference returned.</param>
/// <param name="RenderedJson">The request exactly as the HTTP sink would have sent it.</param>
public sealed record EmittedIssue(IssueReference Reference, string RenderedJson);
