namespace IssueCore.Scripting;

/// <summary>Limits for one script call. A <see langword="null"/> member falls back to the executor's default.</summary>
public sealed record ScriptBudget
{
    /// <summary>The most VM instructions the call may run.</summary>
    public long? MaxInstructions { get; init; }

    /// <summary>The most bytes the script's state may allocate.</summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>The longest the call may take (wall time on the executor's <see cref="TimeProvider"/>).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The deepest JSON nesting accepted in the input and output.</summary>
    public int? MaxJsonDepth { get; init; }

    /// <summary>The largest output accepted, in UTF-8 bytes of its JSON.</summary>
    public int? MaxOutputBytes { get; init; }
}
