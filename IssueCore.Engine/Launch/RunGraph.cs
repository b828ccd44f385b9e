using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Flows;
using IssueCore.Json;

namespace IssueCore.Launch;

/// <summary>
/// The document stored with the run: the plan, written once when the run starts, and the final ctx, added once when it
/// completes. Shape: <c>{"format":2, "blueprint", "initial_context", "operator_id", "role", "ttl_ms", "final_context"?}</c>.
/// What happened in between (each step's output, each finished wave) is in the run's events, not here (see
/// <see cref="RecordedRun"/>).
/// </summary>
/// <remarks>
/// Graphs of format 1, written by earlier versions, also held the node states (<c>"nodes": {key: {"node", "wave",
/// "done", "output"}}</c>), <c>"next_wave"</c> and the ctx of the last wave, rewritten as the run went. They still load:
/// their node states count as recorded, and a rewind drops the later ones and writes the graph back once.
/// The Blueprint, the initial ctx and the final ctx are kept serialised, so a write copies bytes.
/// </remarks>
internal sealed class RunGraph
{
    private const int Format = 2;
    private const int LegacyFormat = 1;
    private static readonly JsonDocumentOptions RecordOptions = new() { MaxDepth = JsonLimits.MaxRecordDepth };
    private static readonly JsonWriterOptions WriterOptions = new() { MaxDepth = JsonLimits.MaxRecordDepth, SkipValidation = true };
    private static readonly JsonSerializerOptions SerializerOptions = new() { MaxDepth = JsonLimits.MaxRecordDepth };

    private readonly byte[] _blueprintJson;
    private readonly byte[] _initialContext;
    private readonly JsonObject? _legacyNodes;
    private Blueprint? _blueprint;
    private byte[]? _finalContext;

    private RunGraph(byte[] blueprintJson, Blueprint? blueprint, byte[] initialContext, string operatorId, string role, TimeSpan ttl, JsonObject? legacyNodes, int legacyNextWave, byte[]? finalContext)
    {
        _blueprintJson = blueprintJson;
        _blueprint = blueprint;
        _initialContext = initialContext;
        OperatorId = operatorId;
        Role = role;
        Ttl = ttl;
        _legacyNodes = legacyNodes;
        LegacyNextWave = legacyNextWave;
        _finalContext = finalContext;
    }

    public Blueprint Blueprint => _blueprint ??= Blueprint.FromNode(JsonNode.Parse(_blueprintJson, documentOptions: RecordOptions));

    public JsonObject InitialContext => ParseObject(_initialContext);

    public string OperatorId { get; }

    public string Role { get; }

    public TimeSpan Ttl { get; }

    /// <summary>Whether the graph is of format 1 (it holds node states of its own).</summary>
    public bool IsLegacy => _legacyNodes is not null;

    /// <summary>The node states of a format-1 graph (empty for format 2).</summary>
    public IEnumerable<(string Key, int Wave, JsonNode? Output)> LegacyNodes
        => _legacyNodes is null
            ? []
            : _legacyNodes
                .Where(n => n.Value?["done"]?.GetValue<bool>() == true)
                .Select(n => (n.Key, n.Value!["wave"]?.GetValue<int>() ?? 0, n.Value["output"]));

    /// <summary>The number of waves a format-1 graph recorded as finished (0 for format 2).</summary>
    public int LegacyNextWave { get; private set; }

    /// <summary>The final ctx of a completed run, or <see langword="null"/>.</summary>
    public JsonObject? FinalContext => _finalContext is null ? null : ParseObject(_finalContext);

    /// <summary>The graph of a new run of <paramref name="plan"/> (its Blueprint's bytes are the plan's, shared and never written to).</summary>
    public static RunGraph Create(FlowPlan plan, JsonObject initialContext, string operatorId, string role, TimeSpan ttl)
        => new(plan.CanonicalUtf8, plan.Blueprint, Serialize(initialContext), operatorId, role, ttl, null, 0, null);

    public static RunGraph Load(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("format", out var format) && format.TryGetInt32(out var version) && version is Format or LegacyFormat
            && element.TryGetProperty("blueprint", out var blueprint) && blueprint.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("initial_context", out var initial) && initial.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("operator_id", out var op) && op.ValueKind == JsonValueKind.String
            && element.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
            && element.TryGetProperty("ttl_ms", out var ttl) && ttl.TryGetInt64(out var ttlMs))
        {
            JsonObject? legacyNodes = null;
            var legacyNextWave = 0;
            if (version == LegacyFormat)
            {
                if (!element.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Object)
                {
                    throw Unreadable();
                }

                legacyNodes = JsonObject.Create(nodes.Clone(), new JsonNodeOptions());
                legacyNextWave = element.TryGetProperty("next_wave", out var next) && next.TryGetInt32(out var n) ? n : 0;
            }

            var final = element.TryGetProperty("final_context", out var f) && f.ValueKind == JsonValueKind.Object ? Raw(f) : null;
            return new RunGraph(Raw(blueprint), null, Raw(initial), op.GetString()!, role.GetString()!, TimeSpan.FromMilliseconds(ttlMs), legacyNodes, legacyNextWave, final);
        }

        throw Unreadable();
    }

    /// <summary>Sets the final ctx of a completed run.</summary>
    public void SetFinalContext(JsonObject finalContext) => _finalContext = Serialize(finalContext);

    /// <summary>Drops what a format-1 graph recorded in waves later than <paramref name="wave"/>, and any final ctx.</summary>
    public void ForgetAfterWave(int wave)
    {
        if (_legacyNodes is not null)
        {
            foreach (var (key, state) in _legacyNodes.ToList())
            {
                if (state?["wave"]?.GetValue<int>() > wave)
                {
                    _legacyNodes.Remove(key);
                }
            }

            LegacyNextWave = Math.Min(LegacyNextWave, wave + 1);
        }

        _finalContext = null;
    }

    /// <summary>
    /// The whole document, as stored: written through a pooled buffer into a document of its own, which repositories keep
    /// without copying it (a clone of such an element is the element itself). Disposing it is allowed and does nothing.
    /// </summary>
    public JsonDocument ToDocument()
    {
        using var buffer = new PooledUtf8Buffer(_blueprintJson.Length + _initialContext.Length + (_finalContext?.Length ?? 0) + 256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("format", _legacyNodes is null ? Format : LegacyFormat);
            writer.WritePropertyName("blueprint");
            writer.WriteRawValue(_blueprintJson, skipInputValidation: true);
            writer.WritePropertyName("initial_context");
            writer.WriteRawValue(_initialContext, skipInputValidation: true);
            writer.WriteString("operator_id", OperatorId);
            writer.WriteString("role", Role);
            writer.WriteNumber("ttl_ms", (long)Ttl.TotalMilliseconds);
            if (_legacyNodes is not null)
            {
                writer.WritePropertyName("nodes");
                _legacyNodes.WriteTo(writer);
                writer.WriteNumber("next_wave", LegacyNextWave);
            }

            if (_finalContext is not null)
            {
                writer.WritePropertyName("final_context");
                writer.WriteRawValue(_finalContext, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan, new JsonReaderOptions { MaxDepth = JsonLimits.MaxRecordDepth });
        return JsonDocument.ParseValue(ref reader);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"graph of {Blueprint.Id} (format {(IsLegacy ? LegacyFormat : Format)})");

    private static byte[] Serialize(JsonObject value) => JsonSerializer.SerializeToUtf8Bytes(value, SerializerOptions); // through a pooled buffer

    private static byte[] Raw(JsonElement element) => JsonMarshal.GetRawUtf8Value(element).ToArray();

    private static JsonObject ParseObject(byte[] utf8Json) => JsonNode.Parse(utf8Json, documentOptions: RecordOptions)!.AsObject();

    private static ValidationException Unreadable() => new("$", "The run's stored graph is not a flow graph this engine can resume.");
}
