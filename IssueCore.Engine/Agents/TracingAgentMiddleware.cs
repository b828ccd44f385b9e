using System.Diagnostics;
using System.Text.Json.Nodes;
using IssueCore.Flows;

namespace IssueCore.Agents;

/// <summary>Opens an <c>issuecore.step</c> span (ActivitySource <c>IssueCore</c>) around every agent call.</summary>
internal sealed class TracingAgentMiddleware : IAgentMiddleware
{
    public async ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, AgentCallDelegate next, CancellationToken cancellationToken)
    {
        using var activity = FlowTelemetry.Source.StartActivity(FlowTelemetry.StepActivity, ActivityKind.Internal);
        activity?.SetTag("issuecore.run_id", invocation.RunId.Value);
        activity?.SetTag("issuecore.agent", invocation.AgentName);
        activity?.SetTag("issuecore.node", invocation.NodePath);
        try
        {
            return await next(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }
}
