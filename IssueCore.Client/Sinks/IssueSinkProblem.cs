namespace IssueCore.Client;

/// <summary>The RFC 9457 problem details a server returned with a refusal.</summary>
/// <param name="Type">The problem type URI.</param>
/// <param name="Title">The short summary.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">The explanation for this occurrence.</param>
/// <param name="Errors">The validation errors (path and message), empty when none were given.</param>
public sealed record IssueSinkProblem(string? Type, string? Title, int? Status, string? Detail, IReadOnlyList<ValidationError> Errors);
