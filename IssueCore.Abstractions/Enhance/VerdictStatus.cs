namespace IssueCore.Enhance;

/// <summary>What one verifier axis decided.</summary>
public enum VerdictStatus
{
    /// <summary>The change passes this axis.</summary>
    Pass = 0,

    /// <summary>The change is denied on this axis.</summary>
    Deny = 1,
}
