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

    /// <summary>
    /// Checks, without running it, that a script could be executed: <paramref name="fnId"/> names a registered script,
    /// or <paramref name="source"/> compiles. The engine calls it while validating a Blueprint, so a broken agent is a
    /// validation error before anything runs.
    /// </summary>
    /// <param name="fnId">A registered script's function id, or <see langword="null"/> when <paramref name="source"/> is given.</param>
    /// <param name="source">Inline source text, or <see langword="null"/> when <paramref name="fnId"/> is given.</param>
    /// <returns><see langword="null"/> when the script can run; otherwise what is wrong with it.</returns>
    /// <remarks>The default implementation accepts every script; problems then surface when it runs.</remarks>
    string? CheckScript(string? fnId, string? source) => null;
}
