namespace IssueCore;

/// <summary>Which budget, if any, stopped a script.</summary>
public enum ScriptLimit
{
    /// <summary>No budget was exceeded: the script itself failed.</summary>
    None = 0,

    /// <summary>The instruction budget ran out.</summary>
    Instructions,

    /// <summary>The memory cap was reached.</summary>
    Memory,

    /// <summary>The deadline (the flow's TTL) passed.</summary>
    Deadline,

    /// <summary>The caller's <see cref="CancellationToken"/> was cancelled.</summary>
    Cancelled,

    /// <summary>A value was nested deeper than the allowed JSON depth.</summary>
    Depth,

    /// <summary>The script's output was larger than allowed.</summary>
    OutputSize,
}
