namespace IssueCore;

/// <summary>
/// A store failed for an infrastructure reason (I/O, a lost connection, a corrupted row). The
/// provider's exception is kept as <see cref="Exception.InnerException"/>. Callers may retry.
/// </summary>
public sealed class StorageException : IssueCoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The provider's error.</param>
    public StorageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
