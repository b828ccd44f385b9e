using System.Text.Json;
using System.Text.Json.Serialization;

namespace IssueCore.AspNetCore.Operator;

/// <summary>A flow run: in <c>GET /runs</c> (without the graph) and <c>GET /runs/{id}</c> (with it).</summary>
internal sealed record RunResponse(
    string RunId,
    string FlowId,
    string? FlowVersion,
    string? Subject,
    string Status,
    string? Owner,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Graph);
