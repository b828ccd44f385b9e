using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Testing;

/// <summary>The three stores a dispatch finishes in, as one adapter builds them over one database.</summary>
/// <param name="Issues">The issue store.</param>
/// <param name="Blueprints">The Blueprint store.</param>
/// <param name="Log">The enhance log.</param>
public sealed record DispatchStores(IIssueStore Issues, IBlueprintStore Blueprints, IEnhanceLogStore Log)
{
    /// <summary>
    /// The council repository over the same database, when the adapter's finalizer can store a dispatch's run in its
    /// transaction; <see langword="null"/> skips the facts about that (visibly).
    /// </summary>
    public ICouncilRepository? Runs { get; init; }
}
