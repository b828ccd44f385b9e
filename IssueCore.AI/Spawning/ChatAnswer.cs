using System.Text.Json;
using IssueCore.Issues;

namespace IssueCore.AI;

/// <summary>One model answer, read and checked: usable (<see cref="Errors"/> empty) or the reasons it is not.</summary>
internal sealed record ChatAnswer
{
    /// <summary>Why the answer cannot be used; empty when it can.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>The model's reason for proposing nothing, when it declined.</summary>
    public string? Declined { get; init; }

    /// <summary>The checked operations (they apply to the head and change it).</summary>
    public JsonElement? Operations { get; init; }

    /// <summary>How many operations <see cref="Operations"/> holds.</summary>
    public int OperationCount { get; init; }

    public string? Rationale { get; init; }

    public VersionBump? Bump { get; init; }

    public static ChatAnswer Invalid(params string[] errors) => new() { Errors = errors };
}
