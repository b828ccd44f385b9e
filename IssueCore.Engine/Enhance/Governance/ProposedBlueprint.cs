using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Issues;
using IssueCore.Json;

namespace IssueCore.Enhance.Governance;

/// <summary>
/// Computes, on the host, the Blueprint a patch proposes: the head with the RFC 6902 operations applied
/// (<see cref="JsonPatch"/>), and, when that changed the content but left <c>metadata.version_label</c> as it was,
/// the label bumped (patch, minor or major). This is what the built-in patch applier does in the flow; the dispatcher
/// compares the flow's <c>new_blueprint</c> with it, and the flow-change path commits it.
/// </summary>
internal static class ProposedBlueprint
{
    /// <summary>Applies <paramref name="operations"/> to <paramref name="head"/> and bumps the label as described.</summary>
    /// <param name="head">The Blueprint the patch applies to.</param>
    /// <param name="operations">The RFC 6902 operations (a JSON array).</param>
    /// <param name="bump">How to bump an unchanged semantic version label.</param>
    /// <param name="path">The path to name in errors (where the operations came from).</param>
    /// <param name="blueprints">The dispatch's Blueprints, so a result its flow already proposed is not built again.</param>
    /// <returns>The proposed Blueprint (its version is the content hash).</returns>
    /// <exception cref="ValidationException">The operations are not a patch, do not apply, give no JSON object, or the label to bump is not a semantic version.</exception>
    public static Blueprint Compute(Blueprint head, JsonNode? operations, VersionBump bump, string path, DispatchBlueprints? blueprints = null)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (operations is not JsonArray)
        {
            throw new ValidationException(path, "must be an array of RFC 6902 operations");
        }

        JsonNode? patched;
        try
        {
            patched = JsonPatch.ApplyInPlace(head.ToJsonObject(), operations); // a new object over the head's document, only patched here
        }
        catch (ValidationException ex)
        {
            throw new ValidationException(path, "does not apply to the head: " + ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InsufficientExecutionStackException)
        {
            throw new ValidationException(path, "does not apply to the head: " + ex.Message);
        }

        if (patched is not JsonObject document)
        {
            throw new ValidationException(path, "gives a document that is not a JSON object");
        }

        // The label is read from the patched document, and the content compared as canonical text, so the usual case
        // (content changed, label left as it was) builds one Blueprint (canonical text, parse, hash), not two.
        var label = document["metadata"] is JsonObject metadata && metadata["version_label"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        if (label is null || !string.Equals(label, head.VersionLabel, StringComparison.Ordinal)
            || string.Equals(CanonicalJson.Serialize(document), head.CanonicalJson, StringComparison.Ordinal))
        {
            return Build(document, blueprints);
        }

        document["metadata"]!["version_label"] = EnhanceScripts.Bump(label, bump);
        return Build(document, blueprints);
    }

    private static Blueprint Build(JsonObject document, DispatchBlueprints? blueprints)
        => blueprints is null ? Blueprint.FromNode(document) : blueprints.FromNode(document);
}
