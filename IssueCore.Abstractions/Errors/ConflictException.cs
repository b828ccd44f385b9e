namespace IssueCore;

/// <summary>
/// An optimistic-concurrency or uniqueness check failed: a compare-and-swap saw another head, a
/// second append for the same key, a lease held by someone else, or an illegal state transition.
/// Nothing was written.
/// </summary>
public sealed class ConflictException : IssueCoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What conflicted.</param>
    /// <param name="expected">The version, owner or state the caller expected (required from stores in the cases <see cref="Expected"/> lists).</param>
    /// <param name="actual">The version, owner or state the store actually holds (required from stores in the cases <see cref="Actual"/> lists).</param>
    /// <param name="innerException">The storage error that revealed the conflict, if any.</param>
    public ConflictException(string message, string? expected = null, string? actual = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The version, owner or state the caller expected.</summary>
    /// <remarks>
    /// Required of every store (the conformance kit checks it): when <see cref="Issues.IIssueStore"/> refuses
    /// <c>CompleteAsync</c>, <c>RenewLeaseAsync</c> or <c>ReleaseAsync</c> because another owner holds the lease, this is
    /// the owner the caller passed. Elsewhere it may be <see langword="null"/> when the store cannot tell.
    /// </remarks>
    public string? Expected { get; }

    /// <summary>The version, owner or state the store actually holds.</summary>
    /// <remarks>
    /// Required of every store (the conformance kit checks it): the owner that holds the lease when
    /// <see cref="Issues.IIssueStore"/> refuses a lease transition of another owner, and the current head when
    /// <see cref="Blueprints.IBlueprintStore.WriteNewAsync"/> refuses a write whose parents do not include the head.
    /// Elsewhere it may be <see langword="null"/> when the store cannot tell.
    /// </remarks>
    public string? Actual { get; }
}
