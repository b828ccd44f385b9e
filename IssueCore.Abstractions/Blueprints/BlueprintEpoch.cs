namespace IssueCore.Blueprints;

/// <summary>The point a dispatch started from: which series, at which version, when.</summary>
/// <param name="BlueprintId">The target series.</param>
/// <param name="StartVersion">The head when the dispatch started; <see langword="null"/> for a new series.</param>
/// <param name="StartedAt">When the dispatch started.</param>
public sealed record BlueprintEpoch(BlueprintId BlueprintId, BlueprintVersion? StartVersion, DateTimeOffset StartedAt);
