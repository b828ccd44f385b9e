using System.Text.Json.Nodes;
using IssueCore.Agents;

namespace IssueCore.Engine.Tests.Support;

/// <summary>A host agent backed by a delegate, counting its invocations.</summary>
internal sealed class TestAgent(Func<AgentInvocation, CancellationToken, ValueTask<JsonNode?>> body) : IAgent
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public static TestAgent Returning(Func<JsonNode?, JsonNode?> map) => new((inv, _) => ValueTask.FromResult(map(inv.Input)));

    public static TestAgent Constant(JsonNode? value) => new((_, _) => ValueTask.FromResult(value?.DeepClone()));

    public ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return body(invocation, cancellationToken);
    }
}
