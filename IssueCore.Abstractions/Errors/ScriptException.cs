namespace IssueCore;

/// <summary>A script failed: it raised an error, returned a value that is not JSON, or exceeded a budget.</summary>
public sealed class ScriptException : IssueCoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The script (function id or agent name) that failed.</param>
    /// <param name="scriptMessage">The message the script or the runtime gave.</param>
    /// <param name="limit">The budget that stopped it, or <see cref="ScriptLimit.None"/>.</param>
    /// <param name="traceback">The script's traceback, when one is available.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ScriptException(string scriptName, string scriptMessage, ScriptLimit limit = ScriptLimit.None, string? traceback = null, Exception? innerException = null)
        : base(limit == ScriptLimit.None
            ? $"Script '{scriptName}' failed: {scriptMessage}"
            : $"Script '{scriptName}' exceeded its {limit} budget: {scriptMessage}", innerException)
    {
        ScriptName = scriptName;
        ScriptMessage = scriptMessage;
        Limit = limit;
        Traceback = traceback;
    }

    /// <summary>The script (function id or agent name) that failed.</summary>
    public string ScriptName { get; }

    /// <summary>The message the script or the runtime gave.</summary>
    public string ScriptMessage { get; }

    /// <summary>The budget that stopped the script, or <see cref="ScriptLimit.None"/>.</summary>
    public ScriptLimit Limit { get; }

    /// <summary>The script's traceback, when one is available.</summary>
    public string? Traceback { get; }
}
