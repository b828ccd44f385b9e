using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Testing;

/// <summary>The three stores a dispatch finishes in, as one adapter builds them over one database.</summary>
/// <param name="Issues">The issue store.</param>
/// <param name="Blueprints">The Blueprint store.</param>
/// <param name="Log">The enhance log.</param>
public sealed record DispatchStores(IIssueStore Issues, IBlueprintStore Blueprints, IEnhanceLogStore Log);
