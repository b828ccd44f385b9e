namespace IssueCore;

/// <summary>
/// The base type of every error IssueCore raises at its API edge. Adapters translate their storage
/// errors into this hierarchy so callers never see a provider-specific exception.
/// </summary>
public class IssueCoreException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public IssueCoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public IssueCoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
