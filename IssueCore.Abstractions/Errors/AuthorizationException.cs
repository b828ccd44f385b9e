namespace IssueCore;

/// <summary>A caller was refused: its role lacks the verb, or its capability token is forged, expired or for another task.</summary>
public sealed class AuthorizationException : IssueCoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="verb">The verb that was refused.</param>
    /// <param name="reason">Why it was refused.</param>
    public AuthorizationException(string verb, string reason)
        : base($"'{verb}' refused: {reason}")
    {
        Verb = verb;
        Reason = reason;
    }

    /// <summary>The verb that was refused.</summary>
    public string Verb { get; }

    /// <summary>Why it was refused.</summary>
    public string Reason { get; }
}
