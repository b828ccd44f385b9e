namespace IssueCore;

/// <summary>
/// A flow's commit decision did not have the exact shape the dispatcher requires (a missing or
/// mistyped field), or the committed version disagreed with the committer's hash. Never defaulted.
/// </summary>
public sealed class CommitShapeException : IssueCoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The path of the offending field, for example <c>$.commit.new_hash</c>.</param>
    /// <param name="message">What is wrong with it.</param>
    public CommitShapeException(string path, string message)
        : base($"Commit shape error at {path}: {message}")
    {
        Path = path;
    }

    /// <summary>The path of the offending field.</summary>
    public string Path { get; }
}
