using System.Text.Json;

namespace IssueCore.AspNetCore.Operator;

/// <summary><c>GET /blueprints/{id}/diff</c>: the RFC 6902 patch from one version to another, with the commit (and issue) behind each end.</summary>
internal sealed record DiffResponse(string BlueprintId, string From, string To, CommitResponse FromCommit, CommitResponse ToCommit, JsonElement Patch);
