using Microsoft.Extensions.Options;

namespace IssueCore.AI;

/// <summary>Validates <see cref="ChatPatchSpawnerOptions"/> at start.</summary>
internal sealed class ChatPatchSpawnerOptionsValidator : IValidateOptions<ChatPatchSpawnerOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatPatchSpawnerOptions options)
    {
        var failures = new List<string>();
        if (options.MaxAttempts is < 1 or > ChatPatchSpawnerOptions.MaxAttemptsLimit)
        {
            failures.Add($"ChatPatchSpawnerOptions.MaxAttempts must be between 1 and {ChatPatchSpawnerOptions.MaxAttemptsLimit}, not {options.MaxAttempts}.");
        }

        if (options.Temperature is { } t && (float.IsNaN(t) || t < 0 || t > 2))
        {
            failures.Add($"ChatPatchSpawnerOptions.Temperature must be between 0 and 2, not {t}.");
        }

        if (options.MaxOutputTokens is < 1)
        {
            failures.Add($"ChatPatchSpawnerOptions.MaxOutputTokens must be positive, not {options.MaxOutputTokens}.");
        }

        if (options.MaxBlueprintChars is < 1 or > 4 * 1024 * 1024)
        {
            failures.Add($"ChatPatchSpawnerOptions.MaxBlueprintChars must be between 1 and 4194304, not {options.MaxBlueprintChars}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
