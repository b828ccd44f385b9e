namespace IssueCore.Issues;

/// <summary>How urgently an issue should be dispatched. Higher priorities are claimed first.</summary>
public enum IssuePriority
{
    /// <summary>Claimed after every medium and high priority issue.</summary>
    Low = 0,

    /// <summary>The default.</summary>
    Medium = 1,

    /// <summary>Claimed before every other pending issue.</summary>
    High = 2,
}
