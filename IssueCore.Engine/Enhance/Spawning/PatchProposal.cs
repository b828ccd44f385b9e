using System.Text.Json;
using IssueCore.Issues;

namespace IssueCore.Enhance.Spawning;

/// <summary>
/// An <see cref="IPatchSpawner"/>'s answer: either a proposed RFC 6902 patch with its rationale
/// (<see cref="Propose"/>), or a typed "cannot propose" with its reason (<see cref="CannotPropose"/>).
/// </summary>
public sealed record PatchProposal
{
    private PatchProposal(bool proposed, JsonElement? operations, string? rationale, VersionBump? bump, string? reason)
    {
        IsProposed = proposed;
        Operations = operations;
        Rationale = rationale;
        Bump = bump;
        Reason = reason;
    }

    /// <summary>Whether a patch is proposed; when <see langword="false"/>, <see cref="Reason"/> says why not.</summary>
    public bool IsProposed { get; }

    /// <summary>The proposed RFC 6902 operations (a JSON array), or <see langword="null"/> when nothing is proposed.</summary>
    public JsonElement? Operations { get; }

    /// <summary>Why the patch does what the issue asks; stored in the commit when it is applied.</summary>
    public string? Rationale { get; }

    /// <summary>The version bump of the change; <see langword="null"/> keeps the issue's.</summary>
    public VersionBump? Bump { get; }

    /// <summary>Why nothing is proposed; <see langword="null"/> when a patch is proposed.</summary>
    public string? Reason { get; }

    /// <summary>How the answer was reached (model, prompt, token usage), recorded in the run's events.</summary>
    public PatchSpawnReport? Report { get; init; }

    /// <summary>A proposed patch.</summary>
    /// <param name="operations">The RFC 6902 operations: a JSON array. It is copied.</param>
    /// <param name="rationale">Why; not empty.</param>
    /// <param name="bump">The version bump; <see langword="null"/> keeps the issue's.</param>
    /// <returns>The proposal.</returns>
    /// <exception cref="ArgumentException"><paramref name="operations"/> is not an array, or <paramref name="rationale"/> is empty.</exception>
    public static PatchProposal Propose(JsonElement operations, string rationale, VersionBump? bump = null)
    {
        if (operations.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException($"RFC 6902 operations are a JSON array, not {operations.ValueKind}.", nameof(operations));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(rationale);
        return new PatchProposal(true, operations.Clone(), rationale, bump, null);
    }

    /// <summary>No patch can be proposed; the issue is rejected with <paramref name="reason"/>.</summary>
    /// <param name="reason">Why; not empty.</param>
    /// <returns>The refusal.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty.</exception>
    public static PatchProposal CannotPropose(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new PatchProposal(false, null, null, null, reason);
    }
}
