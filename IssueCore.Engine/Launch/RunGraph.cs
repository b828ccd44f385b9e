using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Json;

namespace IssueCore.Launch;

/// <summary>
/// The document stored with <c>UpdateGraph</c>: the Blueprint that ran (the plan), the initial ctx, who launched it
/// and the node states. Shape: <c>{"format":1, "blueprint", "initial_context", "operator_id", "role", "ttl_ms",
/// "nodes": {key: {"node", "wave", "done", "output"}}, "next_wave", "context", "final_context"?}</c>.
/// </summary>
/// <remarks>
/// The graph is rewritten as a run goes, so the parts that do not change between writes are kept serialised:
/// the Blueprint (its canonical JSON), the ctx snapshots and node states recorded during the run (as written by
/// <see cref="SetContext"/>, <see cref="SetFinalContext"/> and <see cref="SetNodeState"/>), and the JSON of the
/// subtrees of a loaded graph, which are replaced and never changed in place. A write copies those bytes instead of
/// serialising the whole graph again. <see cref="Nodes"/> lists only the node states of the graph as it was created
/// or loaded; the run's own states are in the stored document.
/// </remarks>
internal sealed class RunGraph
{
    private const string BlueprintProperty = "blueprint";
    private const string InitialContextProperty = "initial_context";
    private const string ContextProperty = "context";
    private const string FinalContextProperty = "final_context";

    private readonly Blueprint? _blueprint;
    private readonly Dictionary<string, byte[]> _rawProperties = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Wave, byte[] Json)> _rawNodes = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<JsonNode, byte[]> _serialized = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(1024); // reused: a graph is written by one caller at a time

    private RunGraph(JsonObject root, Blueprint? blueprint)
    {
        Root = root;
        _blueprint = blueprint;
    }

    /// <summary>The loaded or created document, without the parts held serialised (see the remarks).</summary>
    public JsonObject Root { get; }

    public JsonObject Nodes => Root["nodes"]!.AsObject();

    public Blueprint Blueprint => _blueprint ?? Blueprint.FromNode(Root[BlueprintProperty]);

    public JsonObject InitialContext => Get(InitialContextProperty)!.AsObject();

    public string OperatorId => Root["operator_id"]!.GetValue<string>();

    public string Role => Root["role"]!.GetValue<string>();

    public TimeSpan Ttl => TimeSpan.FromMilliseconds(Root["ttl_ms"]!.GetValue<long>());

    public int NextWave
    {
        get => Root["next_wave"]?.GetValue<int>() ?? 0;
        set => Root["next_wave"] = value;
    }

    public static RunGraph Create(Blueprint blueprint, JsonObject initialContext, string operatorId, string role, TimeSpan ttl)
    {
        var graph = new RunGraph(
            new JsonObject
            {
                ["format"] = 1,
                ["operator_id"] = operatorId,
                ["role"] = role,
                ["ttl_ms"] = (long)ttl.TotalMilliseconds,
                ["nodes"] = new JsonObject(),
                ["next_wave"] = 0,
            },
            blueprint);
        var initial = RecordJson.SerializeToUtf8Bytes(initialContext);
        graph._rawProperties[BlueprintProperty] = Encoding.UTF8.GetBytes(blueprint.CanonicalJson);
        graph._rawProperties[InitialContextProperty] = initial;
        graph._rawProperties[ContextProperty] = initial;
        return graph;
    }

    public static RunGraph Load(JsonElement element)
    {
        if (JsonNode.Parse(element.GetRawText(), documentOptions: RecordJson.DocumentOptions) is JsonObject root && root["format"]?.GetValue<int>() == 1 && root["nodes"] is JsonObject)
        {
            return new RunGraph(root, null);
        }

        throw new ValidationException("$", "The run's stored graph is not a flow graph this engine can resume.");
    }

    /// <summary>Records a step instance's state (its serialised <c>{"node", "wave", "done", "output"}</c> object).</summary>
    public void SetNodeState(string key, int wave, byte[] utf8Json)
    {
        Nodes.Remove(key);
        _rawNodes[key] = (wave, utf8Json);
    }

    /// <summary>Sets the ctx at the end of the last finished wave (serialised).</summary>
    public void SetContext(byte[] utf8Json) => SetRaw(ContextProperty, utf8Json);

    /// <summary>Sets the final ctx of a completed run (serialised).</summary>
    public void SetFinalContext(byte[] utf8Json) => SetRaw(FinalContextProperty, utf8Json);

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

        foreach (var (key, state) in _rawNodes.ToList())
        {
            if (state.Wave > wave)
            {
                _rawNodes.Remove(key);
            }
        }

        NextWave = Math.Min(NextWave, wave + 1);
        Root.Remove(FinalContextProperty);
        _rawProperties.Remove(FinalContextProperty);
    }

    /// <summary>
    /// The whole document, as stored, parsed over this graph's write buffer: the caller disposes it before the next call
    /// (which reuses the buffer). Not safe for concurrent calls (the recorder writes under a lock).
    /// </summary>
    public JsonDocument ToDocument()
    {
        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in Root)
            {
                writer.WritePropertyName(name);
                if (value is JsonObject nodes && name == "nodes")
                {
                    writer.WriteStartObject();
                    foreach (var (key, state) in nodes)
                    {
                        writer.WritePropertyName(key);
                        WriteCached(writer, state);
                    }

                    foreach (var (key, state) in _rawNodes)
                    {
                        writer.WritePropertyName(key);
                        writer.WriteRawValue(state.Json, skipInputValidation: true);
                    }

                    writer.WriteEndObject();
                }
                else
                {
                    WriteCached(writer, value);
                }
            }

            foreach (var (name, json) in _rawProperties)
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(json, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        // Parsed in place with pooled metadata: no copy of the bytes, and the repository reads the graph during the call.
        return JsonDocument.Parse(_buffer.WrittenMemory, RecordJson.DocumentOptions);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"graph with {Nodes.Count + _rawNodes.Count} nodes");

    private JsonNode? Get(string name) => _rawProperties.TryGetValue(name, out var json) ? JsonNode.Parse(json, documentOptions: RecordJson.DocumentOptions) : Root[name];

    private void SetRaw(string name, byte[] utf8Json)
    {
        Root.Remove(name);
        _rawProperties[name] = utf8Json;
    }

    private void WriteCached(Utf8JsonWriter writer, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject or JsonArray:
                writer.WriteRawValue(_serialized.GetValue(value, static v => RecordJson.SerializeToUtf8Bytes(v)), skipInputValidation: true);
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
