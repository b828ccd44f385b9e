using System.Text.Json;

namespace IssueCore.AspNetCore.Operator;

/// <summary>One event of a run.</summary>
internal sealed record RunEventResponse(long Sequence, int Wave, string Kind, string? NodeId, JsonElement Payload, DateTimeOffset Timestamp);
