using IssueCore.Blueprints;
using IssueCore.Council;

namespace IssueCore.Enhance;

/// <summary>
/// A capability of an issue store: a <see cref="IDispatchFinalizer"/> that writes this store, a Blueprint store and
/// an enhance log in one transaction, when those two are backed by the same database.
/// </summary>
public interface IDispatchFinalizerProvider
{
    /// <summary>
    /// Returns a finalizer over this issue store, <paramref name="blueprints"/> and <paramref name="log"/>, or
    /// <see langword="null"/> when they are not stores this provider can write in one transaction (another adapter,
    /// another database, or a decorator).
    /// </summary>
    /// <param name="blueprints">The Blueprint store the dispatcher uses.</param>
    /// <param name="log">The enhance log the dispatcher uses.</param>
    IDispatchFinalizer? CreateFinalizer(IBlueprintStore blueprints, IEnhanceLogStore log);

    /// <summary>
    /// Returns a finalizer that also stores <see cref="DispatchFinalization.Run"/> in its transaction, through
    /// <paramref name="runs"/>, or <see langword="null"/> when the four stores cannot be written in one transaction.
    /// Providers written before this member existed return <see langword="null"/>; the dispatcher then stores the run
    /// with its own call.
    /// </summary>
    /// <param name="blueprints">The Blueprint store the dispatcher uses.</param>
    /// <param name="log">The enhance log the dispatcher uses.</param>
    /// <param name="runs">The council repository the dispatcher records its runs in.</param>
    IDispatchFinalizer? CreateFinalizer(IBlueprintStore blueprints, IEnhanceLogStore log, ICouncilRepository runs) => null;
}
