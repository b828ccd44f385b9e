using System.Text.Json.Nodes;

namespace IssueCore.Scripting;

/// <summary>
/// Runs untrusted scripts in a sandbox under budgets. Safe to call from many threads at once.
/// </summary>
public interface IScriptExecutor
{
    /// <summary>
    /// Runs a script with its input as <c>_CTX</c> and returns its value as JSON (<see langword="null"/> for JSON null).
    /// </summary>
    /// <exception cref="ScriptException">The script raised an error, returned something that is not JSON, or exceeded a budget.</exception>
    /// <exception cref="NotFoundException"><see cref="ScriptInvocation.FnId"/> names no registered script.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the script started.</exception>
    ValueTask<JsonNode?> ExecuteAsync(ScriptInvocation invocation, CancellationToken cancellationToken = default);
}
