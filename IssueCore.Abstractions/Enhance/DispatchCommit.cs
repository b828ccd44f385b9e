using IssueCore.Blueprints;

namespace IssueCore.Enhance;

/// <summary>A new Blueprint version a dispatch commits, with the arguments of <see cref="IBlueprintStore.WriteNewAsync"/>.</summary>
/// <param name="BlueprintId">The series.</param>
/// <param name="Blueprint">The new content.</param>
/// <param name="Parents">The parents; must contain the current head.</param>
/// <param name="Metadata">The commit metadata (carries the issue id).</param>
public sealed record DispatchCommit(BlueprintId BlueprintId, Blueprint Blueprint, IReadOnlyList<BlueprintVersion> Parents, CommitMetadata Metadata);
