using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;

namespace IssueCore.Ingestion;

/// <summary>Checks an <see cref="IngestionRequest"/> and collects every problem with its wire path.</summary>
internal static class IngestionRequestValidator
{
    internal const int TitleMaxLength = 256;
    internal const int TextMaxLength = 16 * 1024;
    internal const int IdentifierMaxLength = 200;
    internal const int MaxLabels = 20;
    internal const int LabelMaxLength = 64;
    internal const int MaxDueInDays = 3650;

    /// <summary>Validates the request and the explicit idempotency key.</summary>
    /// <param name="request">The request.</param>
    /// <param name="idempotencyKey">The explicit key, if any.</param>
    /// <param name="errors">Receives the problems.</param>
    /// <param name="reported">Wire names already reported by the parser; skipped here.</param>
    public static void Validate(IngestionRequest request, string? idempotencyKey, List<ValidationError> errors, IReadOnlySet<string>? reported)
    {
        bool Skip(string name) => reported is not null && reported.Contains(name);

        if (!Skip("title"))
        {
            RequiredText(request.Title, "$.title", TitleMaxLength, errors, rejectBlank: true);
        }

        if (!Skip("description"))
        {
            OptionalText(request.Description, "$.description", TextMaxLength, errors);
        }

        if (!Skip("target_repo"))
        {
            RequiredText(request.TargetRepo, "$.target_repo", IdentifierMaxLength, errors, rejectBlank: true);
        }

        if (!Skip("priority") && request.Priority is null)
        {
            errors.Add(new ValidationError("$.priority", "is required (high, medium or low)."));
        }
        else if (request.Priority is { } priority && !Enum.IsDefined(priority))
        {
            errors.Add(new ValidationError("$.priority", "must be one of: high, medium, low."));
        }

        if (!Skip("labels") && request.Labels is { } labels)
        {
            if (labels.Count > MaxLabels)
            {
                errors.Add(new ValidationError("$.labels", $"must have at most {MaxLabels} labels, not {labels.Count}."));
            }

            for (var i = 0; i < labels.Count; i++)
            {
                RequiredText(labels[i], $"$.labels[{i}]", LabelMaxLength, errors, rejectBlank: true);
            }
        }

        if (!Skip("due_in_days") && request.DueInDays is { } days && days is < 0 or > MaxDueInDays)
        {
            errors.Add(new ValidationError("$.due_in_days", $"must be between 0 and {MaxDueInDays}."));
        }

        if (!Skip("source_type") && request.SourceType is null)
        {
            errors.Add(new ValidationError("$.source_type", "is required (rule or instruction)."));
        }
        else if (request.SourceType is { } sourceType && !Enum.IsDefined(sourceType))
        {
            errors.Add(new ValidationError("$.source_type", "must be one of: rule, instruction."));
        }

        if (!Skip("source_id"))
        {
            RequiredText(request.SourceId, "$.source_id", IdentifierMaxLength, errors, rejectBlank: true);
        }

        if (!Skip("triggering_event_id"))
        {
            RequiredText(request.TriggeringEventId, "$.triggering_event_id", IdentifierMaxLength, errors, rejectBlank: true);
        }

        if (!Skip("activity_definition_id"))
        {
            RequiredText(request.ActivityDefinitionId, "$.activity_definition_id", IdentifierMaxLength, errors, rejectBlank: true);
        }

        if (!Skip("blueprint_id") && request.BlueprintId is not null)
        {
            RequiredText(request.BlueprintId, "$.blueprint_id", IdentifierMaxLength, errors, rejectBlank: true);
        }

        if (!Skip("intent"))
        {
            OptionalText(request.Intent, "$.intent", TextMaxLength, errors);
        }

        if (!Skip("patch") && request.Patch is { } patch)
        {
            ValidatePatch(patch, errors);
        }

        if (idempotencyKey is not null
            && (idempotencyKey.Length is 0 or > IdentifierMaxLength || idempotencyKey.Any(c => c is < '!' or > '~' or ',')))
        {
            errors.Add(new ValidationError("idempotency_key", $"must be 1-{IdentifierMaxLength} visible ASCII characters without spaces or commas."));
        }
    }

    /// <summary>Whether the target can be handed to the resolver (present and within its length).</summary>
    public static bool IsResolvable(IngestionRequest request)
        => !string.IsNullOrWhiteSpace(request.TargetRepo) && request.TargetRepo.Length <= IdentifierMaxLength
           && (request.BlueprintId is null || (request.BlueprintId.Length is > 0 and <= IdentifierMaxLength));

    /// <summary>Checks that the patch has a canonical form and the RFC 6902 shape (<see cref="JsonPatch.Validate"/>).</summary>
    internal static void ValidatePatch(JsonElement patch, List<ValidationError> errors)
    {
        if (patch.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (patch.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new ValidationError("$.patch", "must be an array of RFC 6902 operations."));
            return;
        }

        // One depth limit for every outside document: a patch nested deeper is refused here, never at
        // dispatch, where the run records that embed it would fail on every attempt.
        if (ElementDepth(patch, JsonLimits.MaxDocumentDepth) > JsonLimits.MaxDocumentDepth)
        {
            errors.Add(new ValidationError("$.patch", $"must nest at most {JsonLimits.MaxDocumentDepth} levels."));
            return;
        }

        // The patch is stored and later canonicalised: refuse what has no canonical form (unpaired
        // surrogates, duplicate member names, excessive depth) now rather than at dispatch.
        try
        {
            _ = CanonicalJson.Serialize(patch);
        }
        catch (ValidationException ex)
        {
            errors.AddRange(ex.Errors.Select(e => e with { Path = "$.patch" + e.Path.TrimStart('$') }));
            return;
        }
        catch (InvalidOperationException)
        {
            // JsonElement refuses to decode an unpaired surrogate escape.
            errors.Add(new ValidationError("$.patch", "must not contain an unpaired surrogate."));
            return;
        }

        // The shape check is the one JsonPatch.Apply runs at dispatch, so a patch accepted here applies
        // or fails on the document, never on its form. Its paths are relative to the patch.
        var shape = JsonPatch.Validate(JsonNode.Parse(patch.GetRawText()));
        errors.AddRange(shape.Select(e => e with { Path = "$.patch" + e.Path.TrimStart('$') }));
    }

    /// <summary>The nesting depth of an element (a scalar 0), measured without recursion; stops past <paramref name="limit"/>.</summary>
    private static int ElementDepth(JsonElement element, int limit)
    {
        var max = 0;
        var pending = new Stack<(JsonElement Element, int Depth)>();
        pending.Push((element, 1));
        while (pending.Count > 0)
        {
            var (current, depth) = pending.Pop();
            if (current.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                continue;
            }

            max = Math.Max(max, depth);
            if (max > limit)
            {
                return max;
            }

            if (current.ValueKind == JsonValueKind.Object)
            {
                foreach (var member in current.EnumerateObject())
                {
                    pending.Push((member.Value, depth + 1));
                }
            }
            else
            {
                foreach (var item in current.EnumerateArray())
                {
                    pending.Push((item, depth + 1));
                }
            }
        }

        return max;
    }

    private static void RequiredText(string? value, string path, int maxLength, List<ValidationError> errors, bool rejectBlank)
    {
        if (value is null || (rejectBlank && string.IsNullOrWhiteSpace(value)))
        {
            errors.Add(new ValidationError(path, value is null ? "is required." : "must not be empty."));
            return;
        }

        CheckText(value, path, maxLength, errors);
    }

    private static void OptionalText(string? value, string path, int maxLength, List<ValidationError> errors)
    {
        if (value is not null)
        {
            CheckText(value, path, maxLength, errors);
        }
    }

    private static void CheckText(string value, string path, int maxLength, List<ValidationError> errors)
    {
        if (value.Length > maxLength)
        {
            errors.Add(new ValidationError(path, $"must be at most {maxLength} characters, not {value.Length}."));
            return;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                errors.Add(new ValidationError(path, "must not contain U+0000."));
                return;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                errors.Add(new ValidationError(path, "must not contain an unpaired surrogate."));
                return;
            }
        }
    }
}
