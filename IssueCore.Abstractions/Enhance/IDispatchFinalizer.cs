using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Enhance;

/// <summary>
/// A capability of stores that share one database: finishes a dispatch (the commit, the enhance log entry and the
/// issue's completion) in one transaction, under the dispatcher's lease. Either all of it is written or nothing.
/// </summary>
/// <remarks>
/// An issue store offers one through <see cref="IDispatchFinalizerProvider"/> when the Blueprint store and the
/// enhance log share its database. Without one (mixed adapters, or decorated stores) the dispatcher falls back to one
/// call per store and checks the lease before each: the lease can then still be lost between the check and the write,
/// a window of one store call, where a finalizer leaves none.
/// </remarks>
public interface IDispatchFinalizer
{
    /// <summary>
    /// In one transaction: checks that the issue is still running under <see cref="DispatchFinalization.Lease"/>,
    /// writes the commit when there is one (a compare-and-swap, as <see cref="IBlueprintStore.WriteNewAsync"/>),
    /// appends the log entry and completes the issue with the status, setting its <see cref="Issue.RunId"/> to the
    /// entry's <see cref="EnhanceLogEntry.RunId"/> when that is not <see langword="null"/> (a buffered run's id is
    /// recorded on the issue only here).
    /// </summary>
    /// <remarks>
    /// When the store records the commit under another version than <see cref="EnhanceLogEntry.NewVersion"/>, the
    /// entry and the status name the stored version.
    /// </remarks>
    /// <returns>What was written.</returns>
    /// <exception cref="ConflictException">
    /// The lease is lost, the head moved or the content was refused (as <see cref="IBlueprintStore.WriteNewAsync"/>),
    /// the issue already committed, or the log already holds an entry for the issue. Nothing was written.
    /// </exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    Task<DispatchFinalized> FinalizeAsync(DispatchFinalization finalization, CancellationToken cancellationToken = default);
}
