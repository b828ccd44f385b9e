namespace IssueCore.Blueprints;

/// <summary>Where a stored value came from.</summary>
/// <param name="Version">Its version.</param>
/// <param name="Parents">The versions it was written on top of (empty for the first version).</param>
/// <param name="Origin">Who wrote it (see <see cref="CommitMetadata.Origin"/>).</param>
/// <param name="Timestamp">When it was written.</param>
public sealed record BlueprintTrace(
    BlueprintVersion Version,
    IReadOnlyList<BlueprintVersion> Parents,
    string Origin,
    DateTimeOffset Timestamp);
