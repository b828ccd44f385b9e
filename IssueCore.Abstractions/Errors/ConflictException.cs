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
    /// <param name="expected">The version, owner or state the caller expected, when known.</param>
    /// <param name="actual">The version, owner or state the store actually holds, when known.</param>
    /// <param name="innerException">The storage error that revealed the conflict, if any.</param>
    public ConflictException(string message, string? expected = null, string? actual = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The version, owner or state the caller expected, when known.</summary>
    public string? Expected { get; }

    /// <summary>The version, owner or state the store actually holds, when known.</summary>
    public string? Actual { get; }
}
