using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Issues;
using IssueCore.Json;

namespace IssueCore.AI;

/// <summary>
/// Reads a model's answer strictly, before any verifier sees it: one JSON object as the answer schema says, whose
/// <c>patch</c> is well-formed RFC 6902, applies to the head, changes it, and leaves a JSON object.
/// </summary>
internal static class ChatAnswerReader
{
    /// <summary>The most errors one answer reports back (the model needs the first few, not all).</summary>
    public const int MaxErrors = 10;

    public static ChatAnswer Read(string? text, Blueprint head)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return ChatAnswer.Invalid("$: the answer is empty; answer with one JSON object as the schema says.");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(Unfence(text), documentOptions: new JsonDocumentOptions { MaxDepth = JsonLimits.MaxDocumentDepth });
        }
        catch (JsonException ex)
        {
            return ChatAnswer.Invalid("$: the answer is not JSON (" + ex.Message + "); answer with one JSON object only, no prose.");
        }

        if (root is not JsonObject answer)
        {
            return ChatAnswer.Invalid("$: the answer must be a JSON object with rationale, bump, patch and cannot_propose.");
        }

        if (answer["cannot_propose"] is JsonValue declined && declined.TryGetValue<string>(out var reason) && !string.IsNullOrWhiteSpace(reason))
        {
            return new ChatAnswer { Declined = reason.Trim() };
        }

        var errors = new List<string>();
        var rationale = answer["rationale"] is JsonValue r && r.TryGetValue<string>(out var rt) && !string.IsNullOrWhiteSpace(rt) ? rt.Trim() : null;
        if (rationale is null)
        {
            errors.Add("$.rationale: a non-empty string is required.");
        }

        VersionBump? bump = null;
        switch (answer["bump"])
        {
            case null:
                break;
            case JsonValue b when b.TryGetValue<string>(out var bt) && bt is "patch" or "minor" or "major":
                bump = bt switch { "major" => VersionBump.Major, "minor" => VersionBump.Minor, _ => VersionBump.Patch };
                break;
            default:
                errors.Add("$.bump: must be \"patch\", \"minor\" or \"major\".");
                break;
        }

        var patch = answer["patch"];
        if (patch is not JsonArray ops)
        {
            errors.Add("$.patch: an RFC 6902 JSON Patch (a JSON array of operations) is required.");
            return ChatAnswer.Invalid([.. errors]);
        }

        if (ops.Count == 0)
        {
            errors.Add("$.patch: the patch is empty; propose at least one operation, or set cannot_propose to the reason.");
            return ChatAnswer.Invalid([.. errors]);
        }

        var shape = JsonPatch.Validate(ops);
        if (shape.Count > 0)
        {
            errors.AddRange(shape.Take(MaxErrors).Select(e => "$.patch" + e.Path.TrimStart('$') + ": " + e.Message));
            return ChatAnswer.Invalid([.. errors]);
        }

        JsonNode? patched;
        try
        {
            patched = JsonPatch.Apply(head.ToJsonObject(), ops);
        }
        catch (ValidationException ex)
        {
            errors.AddRange(ex.Errors.Take(MaxErrors).Select(e => "$.patch" + e.Path.TrimStart('$') + ": " + e.Message + " (applied to the current Blueprint)"));
            return ChatAnswer.Invalid([.. errors]);
        }

        if (patched is not JsonObject result)
        {
            errors.Add("$.patch: the patched Blueprint must stay a JSON object.");
        }
        else if (JsonPatch.JsonEquals(result, head.ToJsonObject()))
        {
            errors.Add("$.patch: the patch changes nothing in the current Blueprint.");
        }

        if (errors.Count > 0)
        {
            return ChatAnswer.Invalid([.. errors]);
        }

        return new ChatAnswer
        {
            Operations = ToElement(ops),
            OperationCount = ops.Count,
            Rationale = rationale,
            Bump = bump,
        };
    }

    private static JsonElement ToElement(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>Tolerates one surrounding Markdown code fence, which some models add even under structured output.</summary>
    private static string Unfence(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("```", StringComparison.Ordinal) || !trimmed.EndsWith("```", StringComparison.Ordinal) || trimmed.Length < 6)
        {
            return trimmed;
        }

        var firstLine = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return firstLine < 0 ? trimmed : trimmed[(firstLine + 1)..^3].Trim();
    }
}
