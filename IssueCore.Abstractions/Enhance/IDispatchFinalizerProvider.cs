using IssueCore.Blueprints;

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
}
