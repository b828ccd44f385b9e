using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;

namespace IssueCore.Launch;

/// <summary>
/// The document stored with <c>UpdateGraph</c>: the Blueprint that ran (the plan), the initial ctx, who launched it
/// and the node states. Shape: <c>{"format":1, "blueprint", "initial_context", "operator_id", "role", "ttl_ms",
/// "nodes": {key: {"node", "wave", "done", "output"}}, "next_wave", "context", "final_context"?}</c>.
/// </summary>
internal sealed class RunGraph
{
    private RunGraph(JsonObject root) => Root = root;

    public JsonObject Root { get; }

    public JsonObject Nodes => Root["nodes"]!.AsObject();

    public Blueprint Blueprint => Blueprint.FromNode(Root["blueprint"]);

    public JsonObject InitialContext => Root["initial_context"]!.AsObject();

    public string OperatorId => Root["operator_id"]!.GetValue<string>();

    public string Role => Root["role"]!.GetValue<string>();

    public TimeSpan Ttl => TimeSpan.FromMilliseconds(Root["ttl_ms"]!.GetValue<long>());

    public int NextWave
    {
        get => Root["next_wave"]?.GetValue<int>() ?? 0;
        set => Root["next_wave"] = value;
    }

    public static RunGraph Create(Blueprint blueprint, JsonObject initialContext, string operatorId, string role, TimeSpan ttl)
        => new(new JsonObject
        {
            ["format"] = 1,
            ["blueprint"] = blueprint.ToJsonObject(),
            ["initial_context"] = initialContext.DeepClone(),
            ["operator_id"] = operatorId,
            ["role"] = role,
            ["ttl_ms"] = (long)ttl.TotalMilliseconds,
            ["nodes"] = new JsonObject(),
            ["next_wave"] = 0,
            ["context"] = initialContext.DeepClone(),
        });

    public static RunGraph Load(JsonElement element)
    {
        if (JsonNode.Parse(element.GetRawText()) is JsonObject root && root["format"]?.GetValue<int>() == 1 && root["nodes"] is JsonObject)
        {
            return new RunGraph(root);
        }

        throw new ValidationException("$", "The run's stored graph is not a flow graph this engine can resume.");
    }

    /// <summary>Drops every node state recorded in a wave later than <paramref name="wave"/>.</summary>
    public void ForgetAfterWave(int wave)
    {
        foreach (var (key, state) in Nodes.ToList())
        {
            if (state?["wave"]?.GetValue<int>() > wave)
            {
                Nodes.Remove(key);
            }
        }

        NextWave = Math.Min(NextWave, wave + 1);
        Root.Remove("final_context");
    }

    public JsonElement ToElement() => JsonSerializer.SerializeToElement(Root);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"graph with {Nodes.Count} nodes");
}
