namespace IssueCore.Ingestion;

/// <summary>Something ingestion ignored in an accepted request, for example a member it does not know.</summary>
/// <param name="Path">Where: a JSON path such as <c>$.emitter_version</c>, or <c>traceparent</c> for the header.</param>
/// <param name="Message">What was ignored and why.</param>
public sealed record IngestionWarning(string Path, string Message);
