namespace IssueCore.Client;

/// <summary>Which sink <c>AddIssueSink()</c> registers.</summary>
public enum IssueSinkKind
{
    /// <summary>Dry run: requests are rendered and recorded, nothing is sent (<c>Sink = null</c>).</summary>
    Null = 0,

    /// <summary>Live: requests are posted to an IssueCore server (<c>Sink = rest</c>).</summary>
    Rest = 1,
}
