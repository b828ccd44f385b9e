namespace IssueCore.Client;

/// <summary>
/// A sink could not emit a request: the server refused it (a 4xx, with its problem details), or it
/// kept failing (timeouts, connection errors, 5xx) until the attempts ran out.
/// </summary>
public sealed class IssueSinkException : IssueCoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="statusCode">The last HTTP status, or <see langword="null"/> when no response arrived.</param>
    /// <param name="problem">The problem details the server returned, if any.</param>
    /// <param name="attempts">How many attempts were made.</param>
    /// <param name="isTransient">Whether the failure was transient (retried until the attempts ran out).</param>
    /// <param name="innerException">The last transport error, if any.</param>
    public IssueSinkException(string message, int? statusCode, IssueSinkProblem? problem, int attempts, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Problem = problem;
        Attempts = attempts;
        IsTransient = isTransient;
    }

    /// <summary>The last HTTP status, or <see langword="null"/> when no response arrived.</summary>
    public int? StatusCode { get; }

    /// <summary>The problem details the server returned, if any.</summary>
    public IssueSinkProblem? Problem { get; }

    /// <summary>How many attempts were made.</summary>
    public int Attempts { get; }

    /// <summary><see langword="true"/> when every attempt failed transiently; <see langword="false"/> when the server refused the request (retrying the same request will not help).</summary>
    public bool IsTransient { get; }
}
