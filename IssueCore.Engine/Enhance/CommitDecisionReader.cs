using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Enhance.Governance;
using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>
/// Reads the commit decision from a flow's final ctx, strictly: every required member must be present with the
/// right type, and nothing is ever defaulted. Any deviation is a <see cref="CommitShapeException"/>.
/// </summary>
/// <remarks>
/// <c>$.commit</c> is either
/// <c>{status: "applied", new_hash, new_blueprint, bump, patch_hash, rationale, summary, verdicts}</c> or
/// <c>{status: "rejected", reasons: [non-empty strings, at least one], rationale, summary, verdicts}</c>, where
/// <c>verdicts</c> holds one <c>{axis, status: "pass"|"deny", detail}</c> per configured axis, in the configured order.
/// An applied decision must have no denying verdict, and <c>new_hash</c> must be the content hash of
/// <c>new_blueprint</c>.
/// <para>This is the shape only. The reported verdicts are never counted, and an applied decision is then reviewed by
/// <see cref="Governance.FlowOutputReviewer"/> against the head the host read and the verdicts its own
/// verifier-router recorded.</para>
/// </remarks>
internal static class CommitDecisionReader
{
    /// <param name="finalContext">The flow's final ctx.</param>
    /// <param name="axes">The configured verifier axes, in order.</param>
    /// <param name="blueprints">The dispatch's Blueprints, so a <c>new_blueprint</c> its verifiers already built is not built again.</param>
    public static CommitDecision Read(JsonObject finalContext, IReadOnlyList<string> axes, DispatchBlueprints? blueprints = null)
    {
        if (!finalContext.TryGetPropertyValue("commit", out var commitNode) || commitNode is not JsonObject commit)
        {
            throw new CommitShapeException("$.commit", commitNode is null ? "missing (the flow wrote no commit decision)" : $"must be an object, not {Kind(commitNode)}");
        }

        var status = RequireString(commit, "status");
        var rationale = RequireString(commit, "rationale");
        var summary = RequireString(commit, "summary");
        var verdicts = ReadVerdicts(commit, axes);
        switch (status)
        {
            case "applied":
                {
                    var denied = verdicts.FirstOrDefault(v => v.Status == VerdictStatus.Deny);
                    if (denied is not null)
                    {
                        throw new CommitShapeException("$.commit.status", $"'applied' although axis '{denied.Axis}' denied: {denied.Detail}");
                    }

                    var hashText = RequireString(commit, "new_hash");
                    if (!BlueprintVersion.TryParse(hashText, null, out var newHash) || !string.Equals(newHash.Value, hashText, StringComparison.Ordinal))
                    {
                        throw new CommitShapeException("$.commit.new_hash", $"'{hashText}' is not a version (64 lowercase hex digits)");
                    }

                    if (!commit.TryGetPropertyValue("new_blueprint", out var bpNode) || bpNode is not JsonObject)
                    {
                        throw new CommitShapeException("$.commit.new_blueprint", bpNode is null ? "missing" : $"must be an object, not {Kind(bpNode)}");
                    }

                    Blueprint blueprint;
                    try
                    {
                        blueprint = blueprints is null ? Blueprint.FromNode(bpNode) : blueprints.FromNode(bpNode);
                    }
                    catch (ValidationException ex)
                    {
                        throw new CommitShapeException("$.commit.new_blueprint", "has no canonical form: " + ex.Message);
                    }

                    if (blueprint.Version != newHash)
                    {
                        throw new CommitShapeException("$.commit.new_hash", $"{newHash} is not the content hash of new_blueprint ({blueprint.Version})");
                    }

                    var bump = RequireString(commit, "bump") switch
                    {
                        "patch" => VersionBump.Patch,
                        "minor" => VersionBump.Minor,
                        "major" => VersionBump.Major,
                        var other => throw new CommitShapeException("$.commit.bump", $"must be patch, minor or major, not '{other}'"),
                    };
                    var patchHash = RequireString(commit, "patch_hash");
                    if (!BlueprintVersion.TryParse(patchHash, null, out _))
                    {
                        throw new CommitShapeException("$.commit.patch_hash", $"'{patchHash}' is not a content hash (64 hex digits)");
                    }

                    return new CommitDecision
                    {
                        Applied = true,
                        Rationale = rationale,
                        Summary = summary,
                        Verdicts = verdicts,
                        NewBlueprint = blueprint,
                        NewHash = newHash,
                        Bump = bump,
                        PatchHash = patchHash,
                    };
                }

            case "rejected":
                {
                    if (!commit.TryGetPropertyValue("reasons", out var reasonsNode) || reasonsNode is not JsonArray reasonsArray)
                    {
                        throw new CommitShapeException("$.commit.reasons", reasonsNode is null ? "missing" : $"must be an array, not {Kind(reasonsNode)}");
                    }

                    if (reasonsArray.Count == 0)
                    {
                        throw new CommitShapeException("$.commit.reasons", "is empty; a rejection needs at least one reason");
                    }

                    var reasons = new List<string>(reasonsArray.Count);
                    for (var i = 0; i < reasonsArray.Count; i++)
                    {
                        if (reasonsArray[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.String || v.GetValue<string>().Length == 0)
                        {
                            throw new CommitShapeException($"$.commit.reasons[{i}]", "must be a non-empty string");
                        }

                        reasons.Add(v.GetValue<string>());
                    }

                    return new CommitDecision { Applied = false, Rationale = rationale, Summary = summary, Verdicts = verdicts, Reasons = reasons };
                }

            default:
                throw new CommitShapeException("$.commit.status", $"must be 'applied' or 'rejected', not '{status}'");
        }
    }

    private static List<VerdictSummary> ReadVerdicts(JsonObject commit, IReadOnlyList<string> axes)
    {
        if (!commit.TryGetPropertyValue("verdicts", out var node) || node is not JsonArray array)
        {
            throw new CommitShapeException("$.commit.verdicts", node is null ? "missing" : $"must be an array, not {Kind(node)}");
        }

        if (array.Count != axes.Count)
        {
            throw new CommitShapeException("$.commit.verdicts", $"has {array.Count} verdicts for {axes.Count} configured axes");
        }

        var verdicts = new List<VerdictSummary>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var path = $"$.commit.verdicts[{i}]";
            if (array[i] is not JsonObject verdict)
            {
                throw new CommitShapeException(path, "must be an object {axis, status, detail}");
            }

            var axis = RequireString(verdict, "axis", path);
            if (!string.Equals(axis, axes[i], StringComparison.Ordinal))
            {
                throw new CommitShapeException(path + ".axis", $"is '{axis}' where the configured axis is '{axes[i]}'");
            }

            var status = RequireString(verdict, "status", path) switch
            {
                "pass" => VerdictStatus.Pass,
                "deny" => VerdictStatus.Deny,
                var other => throw new CommitShapeException(path + ".status", $"must be 'pass' or 'deny', not '{other}'"),
            };
            verdicts.Add(new VerdictSummary(axis, status, RequireString(verdict, "detail", path)));
        }

        return verdicts;
    }

    private static string RequireString(JsonObject obj, string member, string parent = "$.commit")
    {
        if (!obj.TryGetPropertyValue(member, out var node) || node is null)
        {
            throw new CommitShapeException($"{parent}.{member}", "missing");
        }

        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            throw new CommitShapeException($"{parent}.{member}", $"must be a string, not {Kind(node)}");
        }

        return value.GetValue<string>();
    }

    private static string Kind(JsonNode? node) => node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant();
}
