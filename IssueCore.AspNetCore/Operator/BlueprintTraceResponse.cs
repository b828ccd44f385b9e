namespace IssueCore.AspNetCore.Operator;

/// <summary>Where a stored version came from.</summary>
internal sealed record BlueprintTraceResponse(string Version, IReadOnlyList<string> Parents, string Origin, DateTimeOffset Timestamp);
