using System.Text.Json.Nodes;
using IssueCore.Scripting;

namespace IssueCore.Agents;

/// <summary>A Blueprint agent of kind <c>lua</c>: runs its script through the <see cref="IScriptExecutor"/>, under the run's deadline.</summary>
internal sealed class LuaAgent(AgentDefinition definition, IScriptExecutor executor) : IAgent
{
    public ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, CancellationToken cancellationToken)
        => executor.ExecuteAsync(
            new ScriptInvocation
            {
                Name = definition.Name,
                FnId = definition.FnId,
                Source = definition.Source,
                Input = invocation.Input,
                Deadline = invocation.Deadline,
            },
            cancellationToken);
}
