namespace IssueCore.Enhance.Spawning;

/// <summary>
/// How a spawner arrived at its answer, recorded in the flow run's events (the <c>patch-spawner</c> step's output, under
/// <c>spawner</c>). Never put secrets here: the run's events are readable by operators.
/// </summary>
public sealed record PatchSpawnReport
{
    /// <summary>The model (or other generator) that answered, when known.</summary>
    public string? ModelId { get; init; }

    /// <summary>The prompt sent (the first one; retries add only the validation errors). Bounded by the spawner.</summary>
    public string? Prompt { get; init; }

    /// <summary>How many answers were asked for (1 when the first one was used).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Input tokens over every attempt, when the provider reports them.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Output tokens over every attempt, when the provider reports them.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>Total tokens over every attempt, when the provider reports them.</summary>
    public long? TotalTokens { get; init; }

    /// <summary>Why each rejected answer was rejected, in attempt order.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];
}
