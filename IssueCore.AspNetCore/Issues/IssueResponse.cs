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
    JsonElement? Patch);
