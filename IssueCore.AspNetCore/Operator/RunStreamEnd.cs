namespace IssueCore.AspNetCore.Operator;

/// <summary>The data of the last server-sent event (<c>end</c>) of <c>GET /runs/{id}/events</c>.</summary>
internal sealed record RunStreamEnd(string RunId, string Status, long LastSequence);
