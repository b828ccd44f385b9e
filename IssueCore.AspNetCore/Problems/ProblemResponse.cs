using System.Text.Json.Serialization;

namespace IssueCore.AspNetCore.Problems;

/// <summary>
/// An RFC 9457 problem details body, with the validation errors as the <c>errors</c> extension and the request's
/// <c>traceId</c> (the W3C trace id of the current activity, else the connection's request id), as ASP.NET Core's own
/// problem details carry it.
/// </summary>
internal sealed record ProblemResponse(
    string Type,
    string Title,
    int Status,
    string Detail,
    string? Instance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ProblemError>? Errors,
    [property: JsonPropertyName("traceId")] string TraceId);
