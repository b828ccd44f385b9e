namespace IssueCore.Scripting;

/// <summary>The limits of one call after per-call values and the executor's defaults were combined.</summary>
internal readonly record struct EffectiveBudget(long MaxInstructions, long MaxMemoryBytes, DateTimeOffset Deadline, int MaxJsonDepth, int MaxOutputBytes);
