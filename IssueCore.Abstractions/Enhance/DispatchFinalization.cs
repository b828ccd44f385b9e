using IssueCore.Council;
using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>Everything that finishes one dispatch: the commit (when applied), the log entry and the issue's status.</summary>
public sealed record DispatchFinalization
{
    /// <summary>The dispatcher's claim; nothing is written unless the issue is still running under it.</summary>
    public required IssueLease Lease { get; init; }

    /// <summary>The new version to write, when the outcome is applied; <see langword="null"/> otherwise.</summary>
    public DispatchCommit? Commit { get; init; }

    /// <summary>The enhance log entry of the issue.</summary>
    public required EnhanceLogEntry Entry { get; init; }

    /// <summary>The terminal status the issue ends in.</summary>
    public required IssueStatus Status { get; init; }

    /// <summary>
    /// The dispatch's flow run, recorded in memory while it executed, to store in the same transaction (as
    /// <see cref="ICouncilRepository.WriteRunAsync"/>), or <see langword="null"/>. Only a finalizer made with a council
    /// repository (<see cref="IDispatchFinalizerProvider.CreateFinalizer(IssueCore.Blueprints.IBlueprintStore, IEnhanceLogStore, ICouncilRepository)"/>)
    /// writes it; others refuse a finalization that carries one with an <see cref="ArgumentException"/>.
    /// </summary>
    public CouncilRunRecord? Run { get; init; }
}
