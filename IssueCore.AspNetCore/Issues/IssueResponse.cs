using System.Text.Json;

namespace IssueCore.AspNetCore.Issues;

/// <summary>An issue as <c>GET /issues/{id}</c> and <c>GET /issues</c> return it.</summary>
/// <remarks><c>patch</c> is the RFC 6902 patch the issue carried when it was ingested, or <c>null</c> when it carried none.</remarks>
internal sealed record IssueResponse(
    string IssueId,
    string BlueprintId,
    string Title,
    string? Description,
    string Intent,
    string Priority,
    IReadOnlyList<string> Labels,
    string Status,
    string? NewVersion,
    string? Reason,
    int Attempts,
    string? LastError,
    DateTimeOffset? DueAt,
    IssueSourceResponse? Source,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    EnhanceLogResponse? EnhanceLog,
    JsonElement? Patch)
{
    /// <summary>The <c>target_repo</c> the ingestion request named.</summary>
    public string? TargetRepo { get; init; }

    /// <summary>The flow run of the latest dispatch (<c>GET /runs/{run_id}</c> on the operator API).</summary>
    public string? RunId { get; init; }

    /// <summary>The W3C <c>traceparent</c> the issue was ingested with.</summary>
    public string? TraceParent { get; init; }
}
