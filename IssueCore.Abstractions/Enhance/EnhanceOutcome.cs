namespace IssueCore.Enhance;

/// <summary>How one dispatched issue ended, as recorded in the enhance log.</summary>
public enum EnhanceOutcome
{
    /// <summary>Committed as a new Blueprint version.</summary>
    Applied = 0,

    /// <summary>Denied by at least one verifier.</summary>
    Rejected = 1,
}
