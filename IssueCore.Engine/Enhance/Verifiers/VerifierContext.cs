using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Enhance.Verifiers;

/// <summary>What a verifier axis checks: the Blueprint before and after the patch.</summary>
public sealed record VerifierContext
{
    /// <summary>The axis being asked (the name it was registered under).</summary>
    public required string Axis { get; init; }

    /// <summary>The issue that asked for the change, when the flow context names one.</summary>
    public IssueId? IssueId { get; init; }

    /// <summary>The target Blueprint before the patch (the series head the dispatch started from).</summary>
    public required Blueprint Previous { get; init; }

    /// <summary>The patched Blueprint, in canonical form. Never <see langword="null"/> when an axis is called.</summary>
    public required Blueprint Proposed { get; init; }

    /// <summary>
    /// The content hash the patch applier reported for <see cref="Proposed"/>. It should equal
    /// <c>Proposed.Version</c>; the <c>canonical</c> axis checks that it does.
    /// </summary>
    public required string ProposedHash { get; init; }

    /// <summary>The RFC 6902 operations that were applied (a JSON array), when known.</summary>
    public JsonNode? Patch { get; init; }

    /// <summary>The flow context the verifier-router received (a private copy; changing it has no effect).</summary>
    public required JsonObject FlowContext { get; init; }
}
