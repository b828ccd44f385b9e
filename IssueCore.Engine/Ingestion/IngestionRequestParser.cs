using System.Text.Json;
using IssueCore.Issues;
using IssueCore.Json;

namespace IssueCore.Ingestion;

/// <summary>
/// Reads the snake_case wire form strictly. Type errors are collected (not thrown) so that one
/// response lists every problem; only JSON that cannot be read at all stops the parse.
/// </summary>
internal static class IngestionRequestParser
{
    /// <summary>
    /// The deepest nesting the parser reads: a record's depth, so a patch nested deeper than
    /// <see cref="JsonLimits.MaxDocumentDepth"/> is read and refused by the validator with its path
    /// (<c>$.patch</c>) rather than as unreadable JSON.
    /// </summary>
    internal const int MaxDepth = JsonLimits.MaxRecordDepth;

    internal static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>At most this many unknown members are reported (the rest are ignored silently), so a warning list stays bounded.</summary>
    internal const int MaxReportedUnknownMembers = 20;

    /// <summary>Parses the body, collecting the paths of unknown members (ignored) into <paramref name="unknown"/>.</summary>
    /// <param name="utf8Json">Valid UTF-8.</param>
    /// <param name="errors">Receives every type error.</param>
    /// <param name="reported">Receives the wire names of members already reported.</param>
    /// <param name="unknown">Receives the paths of the members the request schema does not know (at most <see cref="MaxReportedUnknownMembers"/>).</param>
    /// <exception cref="ValidationException">The body is not well-formed JSON.</exception>
    public static IngestionRequest Parse(ReadOnlyMemory<byte> utf8Json, List<ValidationError> errors, HashSet<string> reported, List<string> unknown)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new ValidationException("$", $"The body is not well-formed JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ValidationError("$", $"must be a JSON object, not {Describe(root.ValueKind)}."));
                reported.UnionWith(KnownMembers);
                return new IngestionRequest();
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            string? title = null, description = null, targetRepo = null, sourceId = null, triggeringEventId = null,
                activityDefinitionId = null, blueprintId = null, intent = null;
            IssuePriority? priority = null;
            IssueSourceType? sourceType = null;
            IReadOnlyList<string>? labels = null;
            int? dueInDays = null;
            JsonElement? patch = null;

            foreach (var member in root.EnumerateObject())
            {
                if (!JsonText.TryGetName(member, out var name))
                {
                    errors.Add(new ValidationError("$", "A member name is not valid text (an unpaired surrogate escape)."));
                    continue;
                }

                var path = "$." + name;
                if (!seen.Add(name))
                {
                    errors.Add(new ValidationError(path, "appears more than once."));
                    reported.Add(name);
                    continue;
                }

                var value = member.Value;
                switch (name)
                {
                    case "title": title = ReadString(value, path, name, errors, reported); break;
                    case "description": description = ReadString(value, path, name, errors, reported); break;
                    case "target_repo": targetRepo = ReadString(value, path, name, errors, reported); break;
                    case "source_id": sourceId = ReadString(value, path, name, errors, reported); break;
                    case "triggering_event_id": triggeringEventId = ReadString(value, path, name, errors, reported); break;
                    case "activity_definition_id": activityDefinitionId = ReadString(value, path, name, errors, reported); break;
                    case "blueprint_id": blueprintId = ReadString(value, path, name, errors, reported); break;
                    case "intent": intent = ReadString(value, path, name, errors, reported); break;
                    case "priority":
                        priority = ReadString(value, path, name, errors, reported) switch
                        {
                            null => null,
                            "high" => IssuePriority.High,
                            "medium" => IssuePriority.Medium,
                            "low" => IssuePriority.Low,
                            _ => Fail<IssuePriority>(path, name, "must be one of: high, medium, low.", errors, reported),
                        };
                        break;
                    case "source_type":
                        sourceType = ReadString(value, path, name, errors, reported) switch
                        {
                            null => null,
                            "rule" => IssueSourceType.Rule,
                            "instruction" => IssueSourceType.Instruction,
                            _ => Fail<IssueSourceType>(path, name, "must be one of: rule, instruction.", errors, reported),
                        };
                        break;
                    case "labels": labels = ReadLabels(value, path, name, errors, reported); break;
                    case "due_in_days": dueInDays = ReadDays(value, path, name, errors, reported); break;
                    case "patch":
                        if (value.ValueKind != JsonValueKind.Null)
                        {
                            patch = value.Clone();
                        }

                        break;
                    default:
                        // Ignored and reported, never refused: an emitter may add a member before this version knows it.
                        if (unknown.Count < MaxReportedUnknownMembers)
                        {
                            unknown.Add(path);
                        }

                        break;
                }
            }

            return new IngestionRequest
            {
                Title = title,
                Description = description,
                TargetRepo = targetRepo,
                Priority = priority,
                Labels = labels,
                DueInDays = dueInDays,
                SourceType = sourceType,
                SourceId = sourceId,
                TriggeringEventId = triggeringEventId,
                ActivityDefinitionId = activityDefinitionId,
                BlueprintId = blueprintId,
                Intent = intent,
                Patch = patch,
            };
        }
    }

    private static readonly string[] KnownMembers =
    [
        "title", "description", "target_repo", "priority", "labels", "due_in_days", "source_type", "source_id",
        "triggering_event_id", "activity_definition_id", "blueprint_id", "intent", "patch",
    ];

    private static string? ReadString(JsonElement value, string path, string name, List<ValidationError> errors, HashSet<string> reported)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String when JsonText.TryGetString(value, out var text):
                return text;
            case JsonValueKind.String:
                errors.Add(new ValidationError(path, "must not contain an unpaired surrogate."));
                reported.Add(name);
                return null;
            case JsonValueKind.Null:
                return null;
            default:
                errors.Add(new ValidationError(path, $"must be a string, not {Describe(value.ValueKind)}."));
                reported.Add(name);
                return null;
        }
    }

    private static List<string>? ReadLabels(JsonElement value, string path, string name, List<ValidationError> errors, HashSet<string> reported)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new ValidationError(path, $"must be an array of strings, not {Describe(value.ValueKind)}."));
            reported.Add(name);
            return null;
        }

        var labels = new List<string>();
        var index = 0;
        var ok = true;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && JsonText.TryGetString(item, out var label))
            {
                labels.Add(label);
            }
            else if (item.ValueKind == JsonValueKind.String)
            {
                errors.Add(new ValidationError($"{path}[{index}]", "must not contain an unpaired surrogate."));
                ok = false;
            }
            else
            {
                errors.Add(new ValidationError($"{path}[{index}]", $"must be a string, not {Describe(item.ValueKind)}."));
                ok = false;
            }

            index++;
        }

        if (!ok)
        {
            reported.Add(name);
        }

        return labels;
    }

    private static int? ReadDays(JsonElement value, string path, string name, List<ValidationError> errors, HashSet<string> reported)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Number when value.TryGetInt32(out var days):
                return days;
            case JsonValueKind.Number:
                errors.Add(new ValidationError(path, "must be a whole number of days between 0 and 3650."));
                reported.Add(name);
                return null;
            default:
                errors.Add(new ValidationError(path, $"must be an integer, not {Describe(value.ValueKind)}."));
                reported.Add(name);
                return null;
        }
    }

    private static T? Fail<T>(string path, string name, string message, List<ValidationError> errors, HashSet<string> reported)
        where T : struct
    {
        errors.Add(new ValidationError(path, message));
        reported.Add(name);
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
