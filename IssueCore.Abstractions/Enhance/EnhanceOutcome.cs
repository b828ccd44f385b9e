namespace IssueCore.Enhance;

/// <summary>How one dispatched issue ended, as recorded in the enhance log.</summary>
public enum EnhanceOutcome
{
    /// <summary>Committed as a new Blueprint version.</summary>
    Applied = 0,

    /// <summary>Denied by at least one verifier.</summary>
    Rejected = 1,

    /// <summary>
    /// Dead-lettered: the retry budget ran out, or the flow's commit decision broke its contract. Nothing was
    /// committed; <see cref="EnhanceLogEntry.Reasons"/> says why.
    /// </summary>
    Failed = 2,
}
