using System.Text.Json.Nodes;
using IssueCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace IssueCore.Agents;

/// <summary>
/// Logs every agent call: start at Debug, completion at Debug, failure as one Warning line naming the fault, with its
/// stack trace at Debug.
/// </summary>
internal sealed partial class LoggingAgentMiddleware(ILogger<LoggingAgentMiddleware> logger) : IAgentMiddleware
{
    public async ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken)
    {
        LogStarting(invocation.AgentName, invocation.NodePath, invocation.RunId.Value);
        try
        {
            var result = await next(invocation, cancellationToken).ConfigureAwait(false);
            LogCompleted(invocation.AgentName, invocation.NodePath, invocation.RunId.Value);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(invocation.AgentName, invocation.NodePath, invocation.RunId.Value, FaultText.OneLine(ex));
            LogFailureDetail(ex, invocation.AgentName, invocation.NodePath);
            throw;
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Agent {Agent} starting at {Node} in run {RunId}")]
    private partial void LogStarting(string agent, string node, string runId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Agent {Agent} completed at {Node} in run {RunId}")]
    private partial void LogCompleted(string agent, string node, string runId);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Agent {Agent} failed at {Node} in run {RunId}: {Fault}")]
    private partial void LogFailed(string agent, string node, string runId, string fault);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "The fault of agent {Agent} at {Node}")]
    private partial void LogFailureDetail(Exception exception, string agent, string node);
}
