using System.Text.Json.Serialization;

namespace IssueCore.AspNetCore.Problems;

/// <summary>An RFC 9457 problem details body, with the validation errors as the <c>errors</c> extension.</summary>
internal sealed record ProblemResponse(
    string Type,
    string Title,
    int Status,
    string Detail,
    string? Instance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ProblemError>? Errors);
