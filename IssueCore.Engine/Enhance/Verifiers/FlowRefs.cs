using System.Text.Json;

namespace IssueCore.Enhance.Verifiers;

/// <summary>Collects the step <c>ref</c>s of a Blueprint's flow, with their paths, without validating anything else.</summary>
internal static class FlowRefs
{
    private static readonly string[] ChildMembers = ["body", "then", "else", "catch"];

    public static List<(string Ref, string Path)> Collect(JsonElement blueprint)
    {
        var refs = new List<(string, string)>();
        if (blueprint.ValueKind == JsonValueKind.Object && blueprint.TryGetProperty("flow", out var flow))
        {
            Walk(flow, "$.flow", refs, 0);
        }

        return refs;
    }

    public static HashSet<string> DeclaredAgents(JsonElement blueprint)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (blueprint.ValueKind == JsonValueKind.Object
            && blueprint.TryGetProperty("agents", out var agents)
            && agents.ValueKind == JsonValueKind.Array)
        {
            foreach (var agent in agents.EnumerateArray())
            {
                if (agent.ValueKind == JsonValueKind.Object
                    && agent.TryGetProperty("name", out var name)
                    && name.ValueKind == JsonValueKind.String)
                {
                    names.Add(name.GetString()!);
                }
            }
        }

        return names;
    }

    private static void Walk(JsonElement node, string path, List<(string, string)> refs, int depth)
    {
        if (node.ValueKind != JsonValueKind.Object || depth > 256)
        {
            return;
        }

        if (node.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.ValueEquals("step")
            && node.TryGetProperty("ref", out var r) && r.ValueKind == JsonValueKind.String)
        {
            refs.Add((r.GetString()!, path + ".ref"));
        }

        if (node.TryGetProperty("children", out var children) && children.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var child in children.EnumerateArray())
            {
                Walk(child, $"{path}.children[{i++}]", refs, depth + 1);
            }
        }

        foreach (var member in ChildMembers)
        {
            if (node.TryGetProperty(member, out var child))
            {
                Walk(child, $"{path}.{member}", refs, depth + 1);
            }
        }
    }
}
