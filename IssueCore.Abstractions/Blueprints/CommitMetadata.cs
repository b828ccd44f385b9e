using IssueCore.Issues;

namespace IssueCore.Blueprints;

/// <summary>Why and from where a Blueprint version was written.</summary>
/// <param name="Rationale">Why the change was made.</param>
/// <param name="Epoch">The dispatch epoch the change was computed in, if any.</param>
/// <param name="PatchHash">The content hash of the RFC 6902 patch that produced it, if any.</param>
/// <param name="IssueId">
/// The issue that produced it. A store refuses a second commit for the same issue in one series,
/// so a retried dispatch can find (and never repeat) its own earlier commit.
/// </param>
/// <param name="Origin">Who wrote it: <c>"issue"</c>, <c>"seed"</c>, <c>"import"</c> or any short tag.</param>
public sealed record CommitMetadata(
    string Rationale,
    BlueprintEpoch? Epoch = null,
    string? PatchHash = null,
    IssueId? IssueId = null,
    string Origin = "direct");
