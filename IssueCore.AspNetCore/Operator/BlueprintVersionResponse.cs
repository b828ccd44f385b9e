using System.Text.Json;

namespace IssueCore.AspNetCore.Operator;

/// <summary>A version's document with its trace: <c>GET /blueprints/{id}</c> (the head) and <c>GET /blueprints/{id}/versions/{version}</c>.</summary>
internal sealed record BlueprintVersionResponse(string BlueprintId, string Version, string? VersionLabel, bool IsHead, bool Archived, BlueprintTraceResponse Trace, JsonElement Document);
