namespace IssueCore.Blueprints;

/// <summary>One commit of a Blueprint series: the version, its parents and its metadata.</summary>
/// <param name="BlueprintId">The series.</param>
/// <param name="Version">The committed version.</param>
/// <param name="Parents">The versions it was written on top of.</param>
/// <param name="Metadata">Rationale, epoch, patch hash, issue id and origin.</param>
/// <param name="CommittedAt">When it was written.</param>
public sealed record BlueprintCommit(
    BlueprintId BlueprintId,
    BlueprintVersion Version,
    IReadOnlyList<BlueprintVersion> Parents,
    CommitMetadata Metadata,
    DateTimeOffset CommittedAt);
