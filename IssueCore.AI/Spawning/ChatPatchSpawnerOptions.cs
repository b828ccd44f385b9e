namespace IssueCore.AI;

/// <summary>
/// Options of the <see cref="ChatPatchSpawner"/>, configured with
/// <c>services.AddIssueCoreChatPatchSpawner(o => …)</c> and validated at start.
/// </summary>
public sealed class ChatPatchSpawnerOptions
{
    /// <summary>The largest <see cref="MaxAttempts"/> accepted: 10.</summary>
    public const int MaxAttemptsLimit = 10;

    /// <summary>
    /// How many answers one issue may use: the first, plus a retry (with the validation errors fed back) for each
    /// answer that is not a valid RFC 6902 patch against the head. Then the spawner gives up and the issue is rejected.
    /// Between 1 and <see cref="MaxAttemptsLimit"/>. Default: 3.
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The model to ask for (<c>ChatOptions.ModelId</c>); <see langword="null"/> leaves it to the client. Default: <see langword="null"/>.</summary>
    public string? ModelId { get; set; }

    /// <summary>The sampling temperature; <see langword="null"/> leaves it to the client. Between 0 and 2. Default: 0 (repeatable answers).</summary>
    public float? Temperature { get; set; } = 0f;

    /// <summary>The most output tokens per answer; <see langword="null"/> leaves it to the client. Default: 4096.</summary>
    public int? MaxOutputTokens { get; set; } = 4096;

    /// <summary>
    /// The longest Blueprint (canonical JSON, in characters) put in a prompt. A larger head is not sent: the spawner
    /// answers "cannot propose" instead. Between 1 and 4,194,304. Default: 65,536.
    /// </summary>
    public int MaxBlueprintChars { get; set; } = 64 * 1024;

    /// <summary>Extra instructions appended to the system message (house rules for changes, for example). Default: none.</summary>
    public string? Instructions { get; set; }
}
