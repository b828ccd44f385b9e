using System.Text;
using IssueCore.Agents;
using IssueCore.Blueprints;

namespace IssueCore.Flows;

/// <summary>A Blueprint whose flow and agents passed validation.</summary>
internal sealed class FlowPlan(Blueprint blueprint, FlowNode root, IReadOnlyDictionary<string, AgentDefinition> agents)
{
    public Blueprint Blueprint { get; } = blueprint;

    public FlowNode Root { get; } = root;

    public IReadOnlyDictionary<string, AgentDefinition> Agents { get; } = agents;

    /// <summary>The Blueprint's canonical JSON as UTF-8, as every run of the plan records it (encoded once; never written to).</summary>
    public byte[] CanonicalUtf8 => field ??= Encoding.UTF8.GetBytes(Blueprint.CanonicalJson);
}
