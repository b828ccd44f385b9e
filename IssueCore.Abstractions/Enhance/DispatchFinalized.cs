using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>What <see cref="IDispatchFinalizer.FinalizeAsync"/> wrote.</summary>
/// <param name="Issue">The completed issue.</param>
/// <param name="Entry">The appended log entry (naming the stored version when applied).</param>
/// <param name="Commit">The stored commit, when there was one.</param>
public sealed record DispatchFinalized(Issue Issue, EnhanceLogEntry Entry, Traced<Blueprint>? Commit);
