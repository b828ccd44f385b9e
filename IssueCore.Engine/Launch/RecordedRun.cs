using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Council;
using IssueCore.Json;

namespace IssueCore.Launch;

/// <summary>
/// What a run recorded as done, read back for a resume, a rewind or a read of its ctx: each step instance's output
/// (from its <c>step.completed</c> event, or from the node states of a format-1 graph) and the last finished wave
/// (from the <c>wave.completed</c> events).
/// </summary>
internal sealed class RecordedRun
{
    private readonly Dictionary<string, (int Wave, JsonElement Output)> _outputs = new(StringComparer.Ordinal);

    private RecordedRun()
    {
    }

    /// <summary>The last wave recorded as finished, or -1.</summary>
    public int LastWave { get; private set; } = -1;

    /// <summary>An empty record, for a run that has only just started.</summary>
    public static RecordedRun Empty() => new();

    /// <summary>Reads the run's events (and the node states of a format-1 graph).</summary>
    public static async Task<RecordedRun> LoadAsync(ICouncilRepository repository, CouncilRunId runId, RunGraph graph, CancellationToken cancellationToken)
    {
        var recorded = new RecordedRun { LastWave = graph.LegacyNextWave - 1 };
        foreach (var (key, wave, output) in graph.LegacyNodes)
        {
            recorded._outputs[key] = (wave, output is null ? default : JsonElement.Parse(RecordJson.SerializeToUtf8Bytes(output), RecordJson.DocumentOptions));
        }

        await foreach (var e in repository.ListEventsAsync(runId, cancellationToken).ConfigureAwait(false))
        {
            switch (e.Kind)
            {
                case RunEventKinds.WaveCompleted:
                    recorded.LastWave = Math.Max(recorded.LastWave, e.Wave);
                    break;
                case RunEventKinds.StepCompleted
                    when e.Payload.ValueKind == JsonValueKind.Object
                         && e.Payload.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String
                         && e.Payload.TryGetProperty("output", out var output):
                    // Events of format-1 runs carry no output: their node states come from the graph instead.
                    recorded._outputs[key.GetString()!] = (e.Wave, output);
                    break;
            }
        }

        return recorded;
    }

    /// <summary>Whether the step instance finished, with a fresh node over its recorded output (safe from concurrent callers).</summary>
    public bool TryGetOutput(string key, out JsonNode? output)
    {
        if (_outputs.TryGetValue(key, out var recorded))
        {
            output = ToNode(recorded.Output);
            return true;
        }

        output = null;
        return false;
    }

    /// <summary>Forgets what was recorded in waves later than <paramref name="wave"/> (a rewind).</summary>
    public void ForgetAfterWave(int wave)
    {
        foreach (var (key, recorded) in _outputs.ToList())
        {
            if (recorded.Wave > wave)
            {
                _outputs.Remove(key);
            }
        }

        LastWave = Math.Min(LastWave, wave);
    }

    private static JsonNode? ToNode(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => JsonValue.Create(element),
    };
}
