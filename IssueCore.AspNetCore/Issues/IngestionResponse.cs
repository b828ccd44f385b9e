using System.Text.Json.Serialization;

namespace IssueCore.AspNetCore.Issues;

/// <summary>
/// The body of <c>POST /issues/</c>: 201 when created, 200 for a duplicate. <c>issue_url</c> is present only when
/// <c>IssueIngestionOptions.IssueBaseUrl</c> is set.
/// </summary>
internal sealed record IngestionResponse(
    string IssueId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IssueUrl,
    string Backend,
    bool Created)
{
    /// <summary>What was ignored in the request (unknown members, a malformed <c>traceparent</c>); absent when nothing was.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<IngestionWarningResponse>? Warnings { get; init; }
}
